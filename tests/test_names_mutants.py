"""Structure names inside a sentence (``viewer.anatomy.names``), every rule with its example."""

from __future__ import annotations

import pytest

from viewer.anatomy.names import in_sentence


@pytest.mark.parametrize(
    "heading, sentence",
    [
        ("Lesser trochanter (left)", "left lesser trochanter"),
        ("Psoas major (right)", "right psoas major"),
        ("Sacrum", "sacrum"),
        ("  Iliac crest (right)  ", "right iliac crest"),  # spaces around are dropped
        ("Iliac crest(left)", "left iliac crest"),
        ("L2", "L2"),  # a vertebra keeps its capital
        ("T12/L1 disc", "T12/L1 disc"),
        ("ASIS (left)", "left ASIS"),  # an abbreviation keeps its capitals
        ("Transverse process of L3 (right)", "right transverse process of L3"),
        ("A", "a"),  # one capital letter is no abbreviation
        ("Ab", "ab"),
        ("AB", "AB"),
        ("X-ray", "x-ray"),
        ("(left)", "left "),
        ("", ""),
    ],
)
def test_a_heading_reads_as_part_of_a_sentence(heading, sentence):
    assert in_sentence(heading) == sentence


def test_only_the_first_letter_is_lowered_and_brackets_other_than_sides_stay():
    assert in_sentence("Head of Femur (Right)") == "head of Femur (Right)"
    assert in_sentence("Body of L3 (left) ") == "left body of L3"
