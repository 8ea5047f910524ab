package dev.lifeboat.run;

/**
 * How a run ended, for its caller, the command's exit code (CONTRACT §3), history and a schedule's
 * log line. The door keeps it as the run's {@code result} in the job repository.
 */
public interface Result {

  Outcome outcome();

  /** 0 success, 3 partial, 1 otherwise. */
  default int exitCode() {
    return outcome().exitCode();
  }

  /** What the run did, in a few words; null when it did nothing to speak of. */
  String summary();

  /** Why it did not succeed; null when it did. */
  String error();
}
