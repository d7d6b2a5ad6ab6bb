"""What one import file may carry, and what reading it costs: blank lines cost nothing,
rows past the limit and headers of thousands of columns are refused."""

from __future__ import annotations

import io
import tracemalloc

import pytest

from workflows.errors import BadInput
from workflows.imports import MAX_COLUMNS, RowLimit, read_csv

LIMIT = RowLimit(3, "Split it.")


def lines_of(data: bytes) -> io.TextIOWrapper:
    """A file's lines as they are read, decoded on the way (no copy of the whole text)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")


def test_a_file_of_blank_lines_is_read_in_bounded_memory() -> None:
    """5 MB of blank lines took 470 MB: a mapping was kept for every one of them. (A
    hundred thousand of them here: tracing every allocation is slow.)"""
    data = b"id,name\n" + b"\n" * (128 * 1024)
    tracemalloc.start()
    try:
        table = read_csv(lines_of(data))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (table.rows, table.errors, table.lines) == ([], [], 0)
    assert peak < 256 * 1024, f"reading took {peak / 1024:.0f} KB"


def test_columns_no_import_reads_are_not_kept() -> None:
    table = read_csv("id,name,notes,more\nchicago,Chicago,a long note,x\n")
    assert table.rows == [(2, {"id": "chicago", "name": "Chicago"})]


def test_a_line_with_only_columns_no_import_reads_counts_as_blank() -> None:
    table = read_csv("id,name,notes\n,,a note only\nx,X,\n")
    assert table.rows == [(3, {"id": "x", "name": "X"})]


def test_rows_past_the_limit_are_refused_naming_it() -> None:
    with pytest.raises(BadInput) as refused:
        read_csv("id,name\na,A\n\nb,B\nc,C\nd,D\n", LIMIT)
    assert refused.value.message == ("The file has more than 3 rows; an import takes at most "
                                     "3 here. Split it. Nothing was imported.")


def test_blank_lines_do_not_count_against_the_limit_and_bad_lines_do() -> None:
    assert read_csv("id,name\na,A\n\n\n\nb,B\nc,C\n\n", LIMIT).lines == 3
    with pytest.raises(BadInput):
        read_csv("id,name\na,A\nb,B,extra\nc,C\nd,D\n", LIMIT)


def test_a_header_of_too_many_columns_is_refused() -> None:
    header = ",".join(f"c{n}" for n in range(MAX_COLUMNS + 1))
    with pytest.raises(BadInput, match=f"the header has {MAX_COLUMNS + 1:,} columns"):
        read_csv(header + "\n" + "x\n" * 10)
    assert read_csv(",".join(["id", "name"] + [f"c{n}" for n in range(MAX_COLUMNS - 2)])
                    + "\na,A\n").lines == 1
