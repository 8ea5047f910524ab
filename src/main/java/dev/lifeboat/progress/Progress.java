package dev.lifeboat.progress;

/** Reports how far a long piece of work is; silent unless a person is watching a terminal. */
public interface Progress {

  /** Whether anyone sees the line: work that exists only to feed it can be skipped otherwise. */
  default boolean visible() {
    return false;
  }

  /** Starts a task; {@code totalBytes} is -1 when unknown. */
  Task start(String what, long totalBytes);

  /** A line for the person watching (stderr on a command line); nothing by default. */
  default void note(String text) {}

  /** One running task. */
  interface Task extends AutoCloseable {
    /** Bytes done so far, and (when it differs) bytes written to the stores. */
    void update(long bytes, long storedBytes);

    @Override
    void close();
  }

  Progress SILENT =
      (what, total) ->
          new Task() {
            @Override
            public void update(long bytes, long storedBytes) {}

            @Override
            public void close() {}
          };
}
