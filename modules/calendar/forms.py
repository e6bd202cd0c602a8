"""Forms of the calendar pages and widgets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from . import recurrence
from .models import (
    CATEGORY_MAX,
    COLORS,
    DESCRIPTION_MAX,
    LOCATION_MAX,
    RRULE_MAX,
    TITLE_MAX,
    URL_MAX,
)
from .service import EventData


def _too_long(limit: int) -> Any:
    return _l("Too long: %(max)s characters at most.", max=limit)


def color_choices() -> list[SelectChoice]:
    labels = {
        "blue": _l("Blue"), "green": _l("Green"), "red": _l("Red"), "orange": _l("Orange"),
        "purple": _l("Purple"), "teal": _l("Teal"), "grey": _l("Grey"),
    }
    return [SelectChoice(c, labels[c]) for c in COLORS]


WEEKDAY_CHOICES = [
    SelectChoice("MO", _l("Monday")), SelectChoice("TU", _l("Tuesday")), SelectChoice("WE", _l("Wednesday")), SelectChoice("TH", _l("Thursday")),
    SelectChoice("FR", _l("Friday")), SelectChoice("SA", _l("Saturday")), SelectChoice("SU", _l("Sunday")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class _TimesMixin:
    """Start and end as local date + time in the chosen zone."""

    def local_times(self, tz_name: str, all_day: bool) -> tuple[datetime, datetime]:
        start_date: date = self.start_date.data  # type: ignore[attr-defined]
        end_date: date = self.end_date.data or start_date  # type: ignore[attr-defined]
        if all_day:
            start = datetime.combine(start_date, time(0), tzinfo=UTC)
            return start, datetime.combine(end_date + timedelta(days=1), time(0), tzinfo=UTC)
        tz = ZoneInfo(tz_name)
        start_time = self.start_time.data or time(9)  # type: ignore[attr-defined]
        end_time = self.end_time.data or start_time  # type: ignore[attr-defined]
        start = datetime.combine(start_date, start_time, tzinfo=tz).astimezone(UTC)
        end = datetime.combine(end_date, end_time, tzinfo=tz).astimezone(UTC)
        return start, end


class EventForm(_TimesMixin, FlaskForm):
    """Create or edit an event (the whole series)."""

    title = StringField(_l("Title"), validators=[DataRequired(message=_l("The title cannot be empty.")),
                                                 Length(max=TITLE_MAX, message=_too_long(TITLE_MAX))])
    start_date = DateField(_l("Start date"), validators=[DataRequired(message=_l("Give a valid date."))])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    end_time = TimeField(_l("End time"), validators=[Optional()])
    all_day = BooleanField(_l("All day"))
    timezone = SelectField(_l("Time zone"), default="Europe/Paris")
    description = TextAreaField(_l("Description (markdown)"), validators=[
        Optional(), Length(max=DESCRIPTION_MAX, message=_too_long(DESCRIPTION_MAX))])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=LOCATION_MAX, message=_too_long(LOCATION_MAX))])
    online_url = StringField(_l("Online meeting link"), validators=[
        Optional(), Length(max=URL_MAX, message=_too_long(URL_MAX))])
    category = StringField(_l("Category"), validators=[Optional(), Length(max=CATEGORY_MAX, message=_too_long(CATEGORY_MAX))])
    color = SelectField(_l("Colour"), default="blue")
    capacity = IntegerField(_l("Places (empty: no limit)"), validators=[
        Optional(), NumberRange(min=1, max=100_000, message=_l("Between 1 and 100000."))])
    repeat = SelectField(_l("Repeat"), default="", choices=[
        SelectChoice("", _l("Does not repeat")), SelectChoice("DAILY", _l("Every day")), SelectChoice("WEEKLY", _l("Every week")),
        SelectChoice("MONTHLY", _l("Every month")), SelectChoice("YEARLY", _l("Every year"))])
    interval = IntegerField(_l("Every how many (days, weeks, months or years)"), default=1, validators=[
        Optional(), NumberRange(min=1, max=999, message=_l("Between 1 and 999."))])
    byday = MultiCheckboxField(_l("On these days (weekly)"), choices=WEEKDAY_CHOICES)
    ends = RadioField(_l("Ends"), default="never", choices=[
        SelectChoice("never", _l("Never")), SelectChoice("count", _l("After a number of times")), SelectChoice("until", _l("On a date"))])
    count = IntegerField(_l("Number of times"), validators=[
        Optional(), NumberRange(min=1, max=recurrence.MAX_COUNT, message=_l("Between 1 and 1000."))])
    until = DateField(_l("Last date"), validators=[Optional()])
    rrule = StringField(_l("Advanced: RFC 5545 rule (replaces the choices above)"), validators=[
        Optional(), Length(max=RRULE_MAX, message=_too_long(RRULE_MAX))])
    invite = BooleanField(_l("Notify every member of the space"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [SelectChoice(z, z) for z in recurrence.timezone_names()]
        self.color.choices = color_choices()

    def rule_text(self) -> str:
        if (self.rrule.data or "").strip():
            return self.rrule.data.strip()
        return recurrence.simple_rule(
            self.repeat.data or "", self.interval.data or 1, list(self.byday.data or []),
            self.ends.data or "never", self.count.data, self.until.data,
        )

    def to_data(self) -> EventData:
        all_day = bool(self.all_day.data)
        start, end = self.local_times(self.timezone.data, all_day)
        return EventData(
            title=self.title.data or "", start=start, end=end, timezone=self.timezone.data,
            all_day=all_day, description=self.description.data or "", location=self.location.data or "",
            online_url=(self.online_url.data or "").strip(), rrule=self.rule_text(),
            category=self.category.data or "", color=self.color.data or "blue", capacity=self.capacity.data,
        )

    def load(self, event: Any) -> None:
        """Fill the form from an event (in its own zone)."""
        tz = UTC if event.all_day else ZoneInfo(event.timezone)
        start, end = event.start_at.astimezone(tz), event.end_at.astimezone(tz)
        if event.all_day:
            end = end - timedelta(days=1)
        self.title.data, self.description.data = event.title, event.description
        self.start_date.data, self.start_time.data = start.date(), start.time().replace(second=0, microsecond=0)
        self.end_date.data, self.end_time.data = end.date(), end.time().replace(second=0, microsecond=0)
        self.all_day.data, self.timezone.data = event.all_day, event.timezone
        self.location.data, self.online_url.data = event.location, event.online_url
        self.category.data, self.color.data, self.capacity.data = event.category, event.color, event.capacity
        self.rrule.data = event.rrule


class OccurrenceForm(_TimesMixin, FlaskForm):
    """Change one occurrence, or this one and the following ones."""

    title = StringField(_l("Title"), validators=[DataRequired(message=_l("The title cannot be empty.")),
                                                 Length(max=TITLE_MAX, message=_too_long(TITLE_MAX))])
    start_date = DateField(_l("Start date"), validators=[DataRequired(message=_l("Give a valid date."))])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    end_time = TimeField(_l("End time"), validators=[Optional()])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=LOCATION_MAX, message=_too_long(LOCATION_MAX))])
    description = TextAreaField(_l("Description (markdown)"), validators=[
        Optional(), Length(max=DESCRIPTION_MAX, message=_too_long(DESCRIPTION_MAX))])
    scope = RadioField(_l("Change"), default="this", choices=[
        SelectChoice("this", _l("This occurrence only")), SelectChoice("following", _l("This one and the following ones"))])


class ImportForm(FlaskForm):
    file = FileField(_l("iCalendar file (.ics)"))


class UpcomingWidgetForm(Form):
    heading = StringField(
        _l("Heading (empty: “Upcoming events”)"), validators=[Optional(), Length(max=120)]
    )
    limit = IntegerField(_l("How many events"), default=5, validators=[NumberRange(min=1, max=20)])
    category = StringField(_l("Only this category (empty: all)"), validators=[Optional(), Length(max=CATEGORY_MAX)])


class MiniMonthWidgetForm(Form):
    show_list = BooleanField(_l("List the month's events under the calendar"), default=False)
