"""Allocation rounds, above the cross-check: the rules and the plan over a run's families
(plan), the JPS re-check and corrections, the recipient lists with their approval and exports,
the dashboard, and their pages. `from programs import rounds` gives the round's operations.

    plan = rounds.plan_round(round_)            # nothing saved: the page shows its counts first
    rounds.save_plan(round_, plan, by=staff)    # allocations, each with its household and history
    rounds.revalidate_jps(round_, by=staff)     # JPS families to phase 1, or back to their proposer
    rounds.approve(rounds.prepare_list(round_, jps, 1, by=staff), by=head)  # maker-checker
"""

from programs.rounds.lists import approve, difference, families, members, move, prepare_list
from programs.rounds.plan import (
    MAX_SAVE_ATTEMPTS,
    families_for,
    matrix_for,
    plan_round,
    save_plan,
    save_round,
    why_left_out,
)
from programs.rounds.recheck import revalidate_jps
from programs.rounds.rules import (
    JPS,
    Rules,
    Stale,
    changes_since,
    create_round,
    set_override,
    update_rules,
)

__all__ = [
    "JPS",
    "MAX_SAVE_ATTEMPTS",
    "Rules",
    "Stale",
    "approve",
    "changes_since",
    "create_round",
    "difference",
    "families",
    "families_for",
    "matrix_for",
    "members",
    "move",
    "plan_round",
    "prepare_list",
    "revalidate_jps",
    "save_plan",
    "save_round",
    "set_override",
    "update_rules",
    "why_left_out",
]
