"""What the cross-check made of a proposal's families, for the proposal's page: the intake's
page asks for it here, so that the intake, below the cross-check, does not import it.

    {% load cross_check %}{% batch_cross_check batch page as checked %}
    {{ checked.outcomes.going_on }} ... {{ checked.outcome_of|get_item:row.pk }}
"""

from collections import Counter
from dataclasses import dataclass, field

from django import template

from dedup.models import ELIGIBLE, Result, Run

register = template.Library()


@dataclass
class BatchCrossCheck:
    run: Run | None = None  # the latest finished cross-check of the batch, None before any
    outcomes: Counter = field(default_factory=Counter)  # outcome -> rows; "going_on": families
    outcome_of: dict[int, Result] = field(default_factory=dict)  # proposal row id -> result


@register.simple_tag
def batch_cross_check(batch, rows) -> BatchCrossCheck:
    """The batch's latest finished cross-check, counted by outcome as every page counts it,
    with the rows checked again since (corrected JPS families) as they came out then; and the
    result of each of `rows` (the page's)."""
    done = batch.runs.filter(status=Run.Status.DONE).order_by("-finished_at")
    run = done.filter(recheck=False).first()
    if run is None:
        return BatchCrossCheck()
    shown = [row.pk for row in rows]
    results = run.results.filter(proposal_row__batch=batch)
    counts = Counter({group["outcome"]: group["n"] for group in results.outcome_counts()})
    later = {
        result.proposal_row_id: result
        for result in Result.objects.filter(
            run__in=done.filter(recheck=True, finished_at__gt=run.finished_at),
            proposal_row__batch=batch,
        ).order_by("run__finished_at")
    }  # the last word per row
    for old in results.filter(proposal_row__in=list(later)):
        counts[old.outcome] -= 1
        counts[later[old.proposal_row_id].outcome] += 1
    counts["going_on"] = sum(counts[status] for status in ELIGIBLE)
    outcome_of = {
        result.proposal_row_id: result for result in results.filter(proposal_row__in=shown)
    }
    outcome_of |= {pk: result for pk, result in later.items() if pk in shown}
    return BatchCrossCheck(run, counts, outcome_of)
