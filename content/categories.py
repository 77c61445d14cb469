"""The categories the app shows. ``help`` is the hidden section, shown only after the unlock gesture."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Category:
    slug: str
    hidden: bool
    position: int
    names: dict[str, str]

    def name(self, locale: str) -> str:
        return self.names.get(locale) or self.names["en"]


CATEGORIES: tuple[Category, ...] = (
    Category("recipes", False, 1, {"tg": "Дастурҳои пухтупаз", "ru": "Рецепты", "en": "Recipes"}),
    Category("child-care", False, 2, {"tg": "Нигоҳубини кӯдак", "ru": "Уход за детьми",
                                       "en": "Child care"}),
    Category("family-life", False, 3, {"tg": "Ҳаёти оилавӣ", "ru": "Семейная жизнь",
                                        "en": "Family life"}),
    Category("health", False, 4, {"tg": "Саломатӣ", "ru": "Здоровье", "en": "Health"}),
    Category("home", False, 5, {"tg": "Хона", "ru": "Дом", "en": "Home"}),
    Category("help", True, 6, {"tg": "Кӯмак", "ru": "Помощь", "en": "Help"}),
)

BY_SLUG: dict[str, Category] = {c.slug: c for c in CATEGORIES}


def get_category(slug: str) -> Category | None:
    return BY_SLUG.get(slug)
