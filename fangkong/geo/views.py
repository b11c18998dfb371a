"""Pages (placeholder until the pages work lands)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def browse(request):
    return HttpResponse("browse")


@login_required
def person_search(request):
    return HttpResponse("search")
