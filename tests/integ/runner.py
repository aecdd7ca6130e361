"""Run the integration suite and end with "N passed, M failed".

The modules run in a fixed order: cheap protocol checks first, the test
that stops PostgreSQL under a running server last.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import instance  # noqa: E402

MODULES = ["test_tls", "test_framing", "test_session", "test_client",
           "test_limits", "test_reload", "test_database"]


class CountingResult(unittest.TextTestResult):
    """Tells instance.py about failures so it keeps their server logs."""

    def addFailure(self, test, err):
        instance.failures[0] += 1
        super().addFailure(test, err)

    def addError(self, test, err):
        instance.failures[0] += 1
        super().addError(test, err)


def main(argv):
    names = argv[1:] or MODULES
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for name in names:
        suite.addTests(loader.loadTestsFromName(name))
    runner = unittest.TextTestRunner(verbosity=2, resultclass=CountingResult,
                                     stream=sys.stdout)
    result = runner.run(suite)
    instance.cleanup_all()
    bad = len(result.failures) + len(result.errors) + \
        len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - bad - skipped
    if skipped:
        print("%d skipped" % skipped)
    print("%d passed, %d failed" % (passed, bad))
    sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
