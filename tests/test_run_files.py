"""The files of a training run: atomic writes, permissions, history, run folders, signals."""

import errno
import os
import signal
import threading

import pytest

from kerasnqs import run_folder
from kerasnqs.callbacks import SignalStop


@pytest.fixture
def umask_027():
    previous = os.umask(0o027)
    yield 0o027
    os.umask(previous)


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "summary.json"
    run_folder.write_json(path, {"steps": 1})
    with pytest.raises(TypeError), run_folder.atomic_path(path) as temporary:
        with open(temporary, "w") as file:
            file.write('{"steps": ')  # half a file, then the writer fails
        raise TypeError("the writer failed")
    assert path.read_text() == '{\n  "steps": 1\n}\n'
    assert [entry.name for entry in tmp_path.iterdir()] == ["summary.json"]


def test_a_full_disk_names_the_file_being_written_not_its_temporary(tmp_path):
    path = tmp_path / "model.keras"
    path.write_text("the older model")
    with pytest.raises(ValueError) as raised, run_folder.atomic_path(path) as temporary:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), temporary)
    assert str(raised.value) == f"cannot write {str(path)!r}: No space left on device"
    assert path.read_text() == "the older model"
    assert [entry.name for entry in tmp_path.iterdir()] == ["model.keras"]


def test_a_second_run_in_a_locked_folder_is_refused_naming_the_holder(tmp_path):
    with run_folder.RunLock(str(tmp_path)):
        with pytest.raises(ValueError) as raised, run_folder.RunLock(str(tmp_path)):
            pass
        lock = (tmp_path / run_folder.LOCK).read_text()
    assert lock == f"{os.getpid()}\n"
    assert str(raised.value) == (
        f"--out {tmp_path}: another kerasnqs run is writing here (lock held by pid {os.getpid()})"
    )


def test_the_lock_is_released_and_its_file_removed_on_leaving(tmp_path):
    for _ in range(2):
        with pytest.raises(RuntimeError), run_folder.RunLock(str(tmp_path)):
            raise RuntimeError("the run failed")
    assert list(tmp_path.iterdir()) == []


def test_a_lock_file_left_by_a_killed_run_is_taken_over(tmp_path):
    (tmp_path / run_folder.LOCK).write_text("12345\n")  # no process holds its lock
    with run_folder.RunLock(str(tmp_path)):
        assert (tmp_path / run_folder.LOCK).read_text() == f"{os.getpid()}\n"


def test_a_folder_the_lock_created_is_removed_if_the_run_wrote_nothing(tmp_path):
    with run_folder.RunLock(str(tmp_path / "empty")):
        pass
    with run_folder.RunLock(str(tmp_path / "written")):
        (tmp_path / "written" / run_folder.CONFIG).write_text("{}")
    assert [entry.name for entry in tmp_path.iterdir()] == ["written"]


def test_written_files_follow_the_umask(tmp_path, umask_027):
    run_folder.write_json(tmp_path / "config.json", {"seed": 0})
    run_folder.write_history(tmp_path / "history.csv", [{"epoch": 0, "step": 5, "energy": -1.0}])
    for name in ("config.json", "history.csv"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o666 & ~umask_027, name


def test_history_gives_back_every_float_exactly(tmp_path):
    rows = [
        {"epoch": 0, "step": 25, "energy": -7.123456789012345, "variance": 1 / 3},
        {"epoch": 1, "step": 31, "energy": -7.2962298105587555, "variance": 2e-17},
    ]
    run_folder.write_history(tmp_path / "history.csv", rows)
    assert run_folder.read_history(tmp_path / "history.csv") == rows
    header = (tmp_path / "history.csv").read_text().splitlines()[0]
    assert header == "epoch,step,energy,variance"


def test_overwrite_removes_only_the_files_of_the_older_run(tmp_path):
    for name in ("config.json", "checkpoint.keras", ".tmp-0123-model.keras", "notes.txt"):
        (tmp_path / name).write_text("old")
    with pytest.raises(ValueError, match="holds another run .config.json, checkpoint.keras"):
        run_folder.prepare_out(tmp_path)
    run_folder.prepare_out(tmp_path, overwrite=True)
    assert [entry.name for entry in tmp_path.iterdir()] == ["notes.txt"]


def test_first_signal_during_training_only_requests_a_stop():
    with SignalStop() as stop:
        stop.on_train_begin()
        signal.raise_signal(signal.SIGINT)
        assert stop.signum == signal.SIGINT
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)
        assert stop.last_signum == signal.SIGTERM


def test_signal_outside_training_interrupts_at_once():
    with SignalStop() as stop:
        stop.on_train_begin()
        stop.on_train_end()
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGTERM)
    assert stop.signum is None


def test_leaving_restores_the_previous_handlers():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    with SignalStop():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
    assert {signum: signal.getsignal(signum) for signum in before} == before


def test_outside_the_main_thread_signals_are_left_alone():
    before = signal.getsignal(signal.SIGTERM)
    seen = []

    def enter():
        with SignalStop():
            seen.append(signal.getsignal(signal.SIGTERM))

    thread = threading.Thread(target=enter)
    thread.start()
    thread.join()
    assert seen == [before]
