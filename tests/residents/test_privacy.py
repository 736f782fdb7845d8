"""Resident IDs and phones never reach the database, the logs or an error page in plain text."""

import logging

from django.db import connection

from residents import services
from tests.factories import resident_id


def test_the_plain_id_and_phone_are_nowhere_in_the_database(world, as_user):
    number, phone = resident_id(313), "13600001111"
    client = as_user("officer_a")
    client.post(
        f"/residents/persons/new/?house={world.house('甲一网格').pk}",
        {"name": "隐私测试", "id_type": "resident_id", "id_number": number, "phone": phone, "ethnicity": "汉族",
         "household_status": "floating", "attention_colour": "green", "relation": "tenant", "start": "2026-10-01"},
    )  # fmt: skip
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        dump = []
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - table names from introspection
            dump.extend(str(row) for row in cursor.fetchall())
    text = "\n".join(dump)
    assert "隐私测试" in text  # the row is there …
    assert number not in text and phone not in text  # … but not the identifiers


def test_registering_and_revealing_log_no_identifier(world, caplog, rf):
    number = resident_id(315)
    with caplog.at_level(logging.DEBUG):
        p = services.person_save(user=world.users["officer_a"], name="日志测试", id_number=number, phone="13600002222")
        request = rf.post("/")
        request.user = world.users["officer_a"]
        services.person_reveal(request=request, person=p, reason="核查")
    assert number not in caplog.text and "13600002222" not in caplog.text


def test_a_bad_id_is_not_echoed_into_the_page_unescaped(world, as_user):
    response = as_user("officer_a").post(
        f"/residents/persons/new/?house={world.house('甲一网格').pk}",
        {"name": "<b>x</b>", "id_type": "resident_id", "id_number": "<script>1</script>", "household_status": "floating",
         "attention_colour": "green", "relation": "tenant", "start": "2026-10-01"},
    )  # fmt: skip
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>1</script>" not in html and "<b>x</b>" not in html
