package dev.lifeboat.store;

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
}
