#!/usr/bin/python3
"""Checks that two platlas result files hold the same groups, bit for bit: every dataset and
attribute below each GROUP (recursively) is equal in both files, NaN equal to NaN, except
timings: attributes and datasets whose name holds `seconds` or `per_second`, and the imbalance
figures of a manifold's load report (measured in seconds). Used to show that a command and its job-spec table write the
same datasets, and that any number of ranks writes the same file.
--ignore NAME (repeatable) skips attributes, datasets and groups of that name as well (`resumed`
on a run continued from a checkpoint, `created` and `command` of the root group).
Usage: compare-groups.py [--ignore NAME]... A.h5 B.h5 GROUP...   (exit 0 when equal, 1 with the
first difference)"""
import sys
import h5py
import numpy as np

IGNORED = set()


def skipped(name):
    return ("seconds" in name or "per_second" in name or name in ("round_imbalance", "total_imbalance")
            or name in IGNORED)


def same(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind == "f":
        return a.tobytes() == b.tobytes() or bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
    return bool(np.all(a == b))


def compare(a, b, path):
    for name in sorted(set(a.attrs) | set(b.attrs)):
        if skipped(name):
            continue
        if name not in a.attrs or name not in b.attrs:
            return f"{path}: attribute {name} only in one file"
        if not same(a.attrs[name], b.attrs[name]):
            return f"{path}: attribute {name}: {a.attrs[name]!r} != {b.attrs[name]!r}"
    if isinstance(a, h5py.Dataset):
        return None if same(a[()], b[()]) else f"{path}: the values differ"
    names = set(a) | set(b)
    for name in sorted(names):
        if skipped(name):
            continue
        if name not in a or name not in b:
            return f"{path}/{name} only in one file"
        problem = compare(a[name], b[name], f"{path}/{name}")
        if problem:
            return problem
    return None


def main():
    args = sys.argv[1:]
    while len(args) >= 2 and args[0] == "--ignore":
        IGNORED.add(args[1])
        args = args[2:]
    if len(args) < 3:
        print("usage: compare-groups.py [--ignore NAME]... A.h5 B.h5 GROUP...", file=sys.stderr)
        return 2
    first, second, groups = args[0], args[1], args[2:]
    with h5py.File(first, "r") as a, h5py.File(second, "r") as b:
        for group in groups:
            if group not in a or group not in b:
                print(f"{group} is missing from {first if group not in a else second}")
                return 1
            problem = compare(a[group], b[group], group)
            if problem:
                print(problem)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
