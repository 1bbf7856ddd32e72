"""A family's payments, for pages below the distribution that show a family (the complaint
desk answering "I never received it"): they ask here, so they do not import this app.

    {% load family_payments %}{% family_payments family complaint as paid %}
"""

from django import template

from distribution.models import Payment

register = template.Library()


@register.simple_tag
def family_payments(household, complaint=None) -> list[Payment]:
    """Every payment of the family, the latest tranche first, with its list and status; each
    with `about`, the complaint's link to it, when the complaint is about it."""
    if household is None:
        return []
    found = list(
        Payment.objects.filter(household=household)
        .select_related("tranche__recipients__target")
        .order_by("-tranche__created_at", "-pk")[:24]
    )
    about = {}
    if complaint is not None:
        about = {
            link.payment_id: link for link in complaint.payment_links.select_related("linked_by")
        }
    for payment in found:
        payment.about = about.get(payment.pk)  # the link: who made it, when
    return found
