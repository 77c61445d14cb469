"""Reading and editing the on-call chain from the console and the staff API (supervisors, admins).

The chain itself belongs to backend.sos.oncall; this adds the audit trail. Reading it is audited
too:
it holds staff phone numbers.
"""

from __future__ import annotations

from typing import Any

from backend.extensions import db
from backend.services.audit import Actor, record_audit


def chain_for_staff(actor: Actor) -> list[dict[str, Any]]:
    """The chain with inactive entries, as dicts; one audit event."""
    from backend.sos.oncall import get_on_call_chain

    entries = get_on_call_chain(include_inactive=True)
    record_audit(actor, "oncall.view", "oncall", "")
    db.session.commit()
    return [{"position": e.position, "phone": e.phone, "label": e.label, "active": e.active,
             "source": e.source} for e in entries]


def replace_chain(entries: list[dict[str, Any]], actor: Actor) -> list[dict[str, Any]]:
    """Replace the chain (validated by the SOS service) and audit it in the same transaction."""
    from backend.sos.oncall import replace_on_call_chain

    saved = replace_on_call_chain(entries, actor.label)
    record_audit(actor, "oncall.replace", "oncall", "", details={"entries": len(saved)})
    db.session.commit()
    return [{"position": e.position, "phone": e.phone, "label": e.label, "active": e.active,
             "source": e.source} for e in saved]
