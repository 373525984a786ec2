"""What each grade means, in the shopper's words: one text for the grades page and the product page.

Every grade is fully working and tested; a grade describes how the device looks. The drawings of
the grades page (catalog/_grade_drawing.html) show the marks each grade allows, in the same order.
"""
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Grade


@dataclass(frozen=True)
class GradeDetail:
    grade: str
    summary: str  # one line, for the product page
    screen: str
    body: str

    @property
    def label(self) -> str:
        return Grade(self.grade).label


GRADE_DETAILS = [
    GradeDetail(Grade.PREMIUM.value, _("Like new: no visible marks, even up close."),
                _("Screen: flawless, no scratches."),
                _("Body: no marks; it looks as it did out of the box.")),
    GradeDetail(Grade.EXCELLENT.value, _("Barely visible marks, only seen up close."),
                _("Screen: no scratches you can see with the screen on."),
                _("Body: one or two tiny marks, invisible from arm's length.")),
    GradeDetail(Grade.GOOD.value, _("Light scratches you can see from arm's length."),
                _("Screen: light scratches, invisible with the screen on."),
                _("Body: light scratches and small scuffs on the edges.")),
    GradeDetail(Grade.FAIR.value, _("Visible wear: scratches and small dents; the best price."),
                _("Screen: visible scratches, none that hide the picture."),
                _("Body: clear scratches and small dents on the frame.")),
]
