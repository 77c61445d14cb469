"""Use cases, one function each; views and tasks call these, tests call them directly."""
