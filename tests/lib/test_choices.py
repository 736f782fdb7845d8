"""``get_FOO_display`` through lib.choices: the label in the request's language, the value if unknown."""

from django.utils import translation

from residents.models import HouseholdStatus, Person, Sex


def test_labels_follow_the_active_language_and_unknown_values_show_as_they_are():
    person = Person(name="王五", sex=Sex.FEMALE, household_status=HouseholdStatus.FLOATING)
    with translation.override("zh-hans"):
        assert person.get_sex_display() == "女"
        zh = person.get_household_status_display()
    with translation.override("en"):
        assert person.get_sex_display() == "Female"
        assert person.get_household_status_display() != zh
    assert Person(name="x", sex="?").get_sex_display() == "?"
    assert Person(name="x", sex="").get_sex_display() == ""
