"""accelsim.memo.IdentityMemo: values per object identity, never another object's after an id is reused."""

from accelsim.memo import IdentityMemo


class Thing:
    pass


def test_hit_miss_and_key():
    memo, calls = IdentityMemo(8), []
    a = Thing()

    def compute(tag):
        calls.append(tag)
        return tag

    assert memo.get((a,), 1, lambda: compute("a1")) == "a1"
    assert memo.get((a,), 1, lambda: compute("again")) == "a1"  # a hit computes nothing
    assert memo.get((a,), 2, lambda: compute("a2")) == "a2"     # another key is another entry
    assert calls == ["a1", "a2"]


def test_an_equal_but_different_object_misses():
    memo = IdentityMemo(8)
    a, b = [1, 2], [1, 2]
    assert memo.get((a,), None, lambda: "a") == "a"
    assert memo.get((b,), None, lambda: "b") == "b"  # equal content, other object


def test_a_recycled_id_does_not_return_the_old_value():
    memo = IdentityMemo(8)
    a = Thing()
    memo.get((a,), None, lambda: "old")
    b = Thing()
    # b now sits under a's entry, as an id Python has reused would
    memo._entries[((id(b),), None)] = memo._entries.pop(((id(a),), None))
    assert memo.get((b,), None, lambda: "new") == "new"


def test_least_recently_used_is_dropped():
    memo, objs = IdentityMemo(2), [Thing() for _ in range(3)]
    memo.get((objs[0],), None, lambda: 0)
    memo.get((objs[1],), None, lambda: 1)
    memo.get((objs[0],), None, lambda: "recomputed")  # touch 0: 1 is now the oldest
    memo.get((objs[2],), None, lambda: 2)
    assert memo.get((objs[0],), None, lambda: "recomputed") == 0
    assert memo.get((objs[1],), None, lambda: "recomputed") == "recomputed"
