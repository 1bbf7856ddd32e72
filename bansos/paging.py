"""One page of a long list, and the list's filters for the pager's links (`_pager.html`)."""

from django.core.paginator import Page, Paginator
from django.http import HttpRequest


def paged(request: HttpRequest, items, per_page: int = 50) -> tuple[Page, str]:
    """The page of `items` the request asks for (?page=, the last one past the end), and the
    request's other parameters as a query string, so the next page keeps the filters."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
