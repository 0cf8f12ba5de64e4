"""relu_lib.cache: one entry per setting however it is called, immutable results."""

import threading
import types
from typing import NamedTuple

import numpy as np
import pytest

from relu_lib import cache
from relu_lib.cache import cached, freeze


def counted(maxsize=8):
    """A cached function that records every call of the function itself (not of the cache)."""
    calls = []

    @cached(maxsize=maxsize)
    def run(lr: float, optimiser: str = "adam", epochs: int = 3) -> dict:
        calls.append((lr, optimiser, epochs))
        return {"lr": lr, "loss": np.full(epochs, lr)}

    return run, calls


def test_keyword_positional_and_default_filled_calls_share_one_entry():
    run, calls = counted()
    results = [run(0.1), run(0.1, "adam"), run(0.1, "adam", 3), run(lr=0.1, optimiser="adam"),
               run(0.1, epochs=3), run(epochs=3, lr=0.1, optimiser="adam")]
    assert len(calls) == 1
    assert all(r is results[0] for r in results)
    assert run.cache_info() == cache.CacheInfo(hits=5, misses=1, maxsize=8, currsize=1)
    run(0.1, "sgd")
    assert len(calls) == 2, "another setting is another entry"


def test_numbers_that_the_function_treats_alike_share_one_entry_and_one_type():
    run, calls = counted()
    a = run(1)
    assert run(1.0) is a and run(np.float64(1.0)) is a and run(np.int32(1)) is a
    assert run(1, epochs=np.int64(3)) is a
    assert calls == [(1.0, "adam", 3)] and type(calls[0][0]) is float and type(a["lr"]) is float
    # a different number is a different entry: float32(0.1) is not 0.1
    run(np.float32(0.1))
    run(0.1)
    assert len(calls) == 3


def test_an_int_parameter_given_a_float_is_not_converted_so_it_fails_as_the_function_does():
    @cached()
    def first(n: int) -> list:
        return list(range(n))

    assert first(3) == (0, 1, 2)
    with pytest.raises(TypeError):
        first(3.0)


def test_without_an_annotation_equal_numbers_of_other_types_are_other_entries():
    @cached()
    def kind(x) -> str:
        return type(x).__name__

    assert [kind(True), kind(1), kind(1.0), kind(np.float64(1.0))] == ["bool", "int", "float", "float"]
    assert kind.cache_info().currsize == 3


def test_results_are_read_only():
    @cached()
    def result() -> dict:
        return {"w": np.ones(3), "layers": [np.zeros(2), np.zeros(2)], "nested": {"b": np.ones(1)},
                "tags": ["a", "b"], "n": 3}

    r = result()
    assert isinstance(r, types.MappingProxyType)
    with pytest.raises(TypeError):
        r["w"] = np.zeros(3)
    with pytest.raises(ValueError, match="read-only"):
        r["w"][0] = 5.0
    assert isinstance(r["layers"], tuple) and all(not a.flags.writeable for a in r["layers"])
    with pytest.raises(ValueError):
        r["layers"][0][0] = 1.0
    with pytest.raises(TypeError):
        r["nested"]["b"] = 0
    assert r["tags"] == ("a", "b") and r["n"] == 3
    assert result() is r and np.all(result()["w"] == 1.0)


def test_freeze_keeps_named_tuples_and_freezes_sets():
    class Pair(NamedTuple):
        X: np.ndarray
        y: np.ndarray

    frozen = freeze(Pair(np.ones(2), np.zeros(2)))
    assert isinstance(frozen, Pair) and not frozen.X.flags.writeable
    assert freeze({1, 2}) == frozenset({1, 2})


def test_uncached_is_the_function_itself():
    run, calls = counted()
    r = run.uncached(0.5)
    assert run.uncached is run.__wrapped__
    assert isinstance(r, dict) and r["loss"].flags.writeable, "the function's own result, not frozen"
    assert run.cache_info().currsize == 0 and len(calls) == 1


def test_cache_clear_and_least_recently_used_eviction():
    run, calls = counted(maxsize=2)
    run(0.1)
    run(0.2)
    run(0.1)  # 0.2 is now the least recently used
    run(0.3)
    assert run.cache_info().currsize == 2
    run(0.1)
    assert len(calls) == 3, "0.1 stayed"
    run(0.2)
    assert len(calls) == 4, "0.2 was dropped"
    run.cache_clear()
    assert run.cache_info() == cache.CacheInfo(0, 0, 2, 0)
    run(0.1)
    assert len(calls) == 5


def test_clear_all_empties_every_cache():
    run, _ = counted()
    run(0.1)
    cache.clear_all()
    assert run.cache_info().currsize == 0


def test_maxsize_zero_caches_nothing_and_negative_is_refused():
    run, calls = counted(maxsize=0)
    run(0.1)
    run(0.1)
    assert len(calls) == 2
    with pytest.raises(ValueError):
        cached(maxsize=-1)


def test_unhashable_arguments_raise_a_clear_type_error():
    run, _ = counted()
    with pytest.raises(TypeError, match=r"run\(\) is cached, so its arguments must be hashable; "
                                        r"got optimiser=\['adam'\] \(list\)"):
        run(0.1, ["adam"])
    with pytest.raises(TypeError, match="lr=array"):
        run(np.array([0.1]))
    with pytest.raises(TypeError, match="unexpected keyword"):
        run(0.1, momentum=0.9)


def test_concurrent_callers_get_one_result():
    run, calls = counted()
    results = []
    threads = [threading.Thread(target=lambda: results.append(run(0.7))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is results[0] for r in results) and run.cache_info().currsize == 1


def test_a_chapter_call_and_an_explorable_call_train_once():
    """The reason for the cache: the chapter calls by keyword, the explorable positionally with
    a widget's numbers (an int for a float); lru_cache computed both."""
    from relu_lib.chapters import gradient_flow as gf

    gf.signal_propagation.cache_clear()
    chapter = gf.signal_propagation(depth=3, width=8, activation="relu", init="he_normal")
    explorable = gf.propagation_explorable().compute(depth=np.int64(3), width=8, activation="relu",
                                                     init="he_normal", gain=1)
    assert explorable is chapter and gf.signal_propagation.cache_info().misses == 1
    assert type(chapter["gain"]) is float
