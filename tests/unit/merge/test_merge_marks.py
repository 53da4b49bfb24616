"""Marks follow every value: an error after merge can still point at the file that wrote it."""

from compose.loader.document import locate
from tests.support.merge_yaml import merged_with_marks


def test_values_point_at_the_file_that_wrote_them():
    data, marks = merged_with_marks("services:\n  web:\n    image: a\n    user: root\n",
                                    "services:\n  web:\n    image: b\n")
    assert str(marks[("services", "web", "image")]) == "override.yaml:3:12"
    assert str(marks[("services", "web", "user")]) == "base.yaml:4:11"


def test_appended_items_keep_their_marks_at_their_new_index():
    data, marks = merged_with_marks("services:\n  web:\n    ports:\n      - '80:80'\n",
                                    "services:\n  web:\n    ports:\n      - '81:81'\n")
    assert data["services"]["web"]["ports"] == ["80:80", "81:81"]
    assert str(marks[("services", "web", "ports", 1)]) == "override.yaml:4:9"


def test_a_replaced_unique_entry_points_at_its_replacement():
    data, marks = merged_with_marks("services:\n  web:\n    volumes:\n      - a:/data\n      - b:/b\n",
                                    "services:\n  web:\n    volumes:\n      - c:/data\n")
    assert data["services"]["web"]["volumes"] == ["c:/data", "b:/b"]
    assert str(marks[("services", "web", "volumes", 0)]) == "override.yaml:4:9"
    assert str(marks[("services", "web", "volumes", 1)]) == "base.yaml:5:9"


def test_environment_converted_from_a_mapping_points_at_each_key():
    data, marks = merged_with_marks("services:\n  web:\n    environment:\n      B: '2'\n      A: '1'\n",
                                    "services:\n  web:\n    environment: [C=3]\n")
    assert data["services"]["web"]["environment"] == ["A=1", "B=2", "C=3"]
    assert str(locate(marks, ("services", "web", "environment", 0))) == "base.yaml:5:10"
