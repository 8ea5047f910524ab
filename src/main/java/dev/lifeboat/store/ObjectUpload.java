package dev.lifeboat.store;

import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A streamed write of one object; either {@link #commit()} or {@link #abort()} ends it.
 *
 * <p>When {@link #write} or {@link #commit()} throws, the upload has already been aborted; later
 * calls to them throw {@link IllegalStateException}.
 */
public interface ObjectUpload {

  /** Appends bytes; may block while earlier bytes are being sent (back-pressure). */
  void write(byte[] bytes, int offset, int length);

  /** Makes the object visible under its key, whole. */
  void commit();

  /** Discards everything written so far; never throws, leaves nothing behind. */
  void abort();

  /**
   * One object streamed to every one of {@code stores} at once from a single read, under {@code
   * key}: each store has its own thread and a queue of at most {@code queueChunks} chunks of {@code
   * chunkSize} bytes (a slow store slows the writer, a failed one is dropped and the others go on).
   */
  static Broadcast toEvery(List<BackupStore> stores, String key, int chunkSize, int queueChunks) {
    return new FanOut(stores, key, chunkSize, queueChunks);
  }

  /**
   * The stream {@link #toEvery} returns: write to it, then {@link #finish} or {@link #abort}. Only
   * this package makes one.
   */
  abstract class Broadcast extends OutputStream {

    Broadcast() {}

    /** How one store's upload ended. */
    public record Outcome(boolean ok, String error) {}

    /** Ends the stream: commits every store still alive and reports how each one ended. */
    public abstract Map<String, Outcome> finish() throws IOException;

    /**
     * Ends the stream: commits every store still alive and, in that store's own thread right after
     * its commit, runs {@code afterCommit} (the manifest), so a store that finishes is published at
     * once whatever the others do. A store counts as ok only if both succeeded.
     */
    public abstract Map<String, Outcome> finish(Consumer<BackupStore> afterCommit)
        throws IOException;

    /** Abandons the stream: every store discards what it received. Never throws. */
    public abstract void abort();

    /** A failure's message for a store's outcome: never empty. */
    public static String message(Throwable t) {
      if (t == null) {
        return "upload did not complete";
      }
      String m = t.getMessage();
      return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }
  }
}
