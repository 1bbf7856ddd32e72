"""Pages as PDF, drawn by WeasyPrint where the machine has Pango (Debian's libpango-1.0-0):
the decree's annex goes to the head's desk as a file, not only as a page to print. Where Pango
is missing the printable page and the .xlsx serve, and the page says so.

    if pdf.available():
        content = pdf.render(render_to_string("distribution/decree_annex_pdf.html", context))
"""

from __future__ import annotations

import functools


@functools.cache
def available() -> bool:
    try:
        import weasyprint  # noqa: F401  (loads Pango: OSError where it is missing)
    except (ImportError, OSError):
        return False
    return True


def _nothing_fetched(url: str, *args, **kwargs):
    """The page is whole in itself: no file or address it names is fetched."""
    raise ValueError(f"not fetched: {url}")


def render(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_nothing_fetched).write_pdf()
