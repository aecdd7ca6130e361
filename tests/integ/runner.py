"""Run the integration suite and end with "N passed, M failed, K skipped".

The modules run in a fixed order: cheap protocol checks first, the test
that stops PostgreSQL under a running server last.

A test that skips makes the whole run exit 77 (skipped, to make check)
unless something failed, with a line "skipped: test: reason" for each:
a green run has to mean that every test ran.
"""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import instance  # noqa: E402

MODULES = ["test_tls", "test_framing", "test_session", "test_client",
           "test_client_casework", "test_limits", "test_reload",
           "test_casework", "test_demo_casework", "test_database",
           "test_login_fairness", "test_cycle", "test_events",
           "test_documents", "test_db_serve"]


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
    for test, reason in result.skipped:
        print("skipped: %s: %s" % (test.id(), reason))
    print("%d passed, %d failed, %d skipped" % (passed, bad, skipped))
    sys.stdout.flush()
    if bad:
        return 1
    return 77 if skipped else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
