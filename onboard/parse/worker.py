"""A parse worker: ``python -m onboard.parse.worker`` reads pickled batches of ``SourceFile`` on stdin
and answers each with its packed results on stdout, until its input ends (``onboard.parse.prepare``).

Pickle is safe here: both ends are this package, talking over the pipes of a process it started.
"""

from __future__ import annotations

import pickle
import signal
import sys

from onboard.parse.prepare import pack_batch


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group: the indexer decides
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing else may write into the answers
    pickle.dump("ready", answers)
    answers.flush()
    while True:
        try:
            batch = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(pack_batch(batch), answers, protocol=pickle.HIGHEST_PROTOCOL)
        answers.flush()


if __name__ == "__main__":
    main()
