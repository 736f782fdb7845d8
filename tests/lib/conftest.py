import pytest

# Messages are matched by their English msgid here; tests/test_i18n.py checks the Chinese.
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def _english(english):
    yield
