package dev.lifeboat.archive;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on a thread of its own, a few chunks ahead of the reader: the download (and
 * whatever the source stream does on the way, such as hashing) overlaps the reader's work
 * (decompression, the spool write) instead of taking turns with it. Memory is bounded: at most
 * {@code chunks} chunks of {@code chunkSize} bytes wait.
 *
 * <p>The reader sees exactly the source's bytes and, at the point where the source failed, the
 * source's exception. {@link #close()} stops the thread and closes the source.
 *
 * <p>A chunk the reader has used up goes back to the thread for the next read, so a long read
 * allocates no new chunks (they would be promoted as garbage and grow the heap with the object).
 */
final class ReadAhead extends InputStream {

  private static final byte[] END = new byte[0];
  private static final byte[] NONE = new byte[0];

  private final InputStream source;
  private final BlockingQueue<Object> queue;
  private final BlockingQueue<byte[]> free;
  private final int chunkSize;
  private final int limit;
  private volatile int allocated;
  private final Thread thread;
  private volatile boolean closed;
  private byte[] current = NONE;
  private int pos;
  private boolean ended;

  ReadAhead(InputStream source, int chunkSize, int chunks, String name) {
    this.source = source;
    this.queue = new ArrayBlockingQueue<>(chunks);
    // every chunk there is fits: the waiting ones, the one being read, the one being filled
    this.limit = chunks + 2;
    this.free = new ArrayBlockingQueue<>(limit);
    this.chunkSize = chunkSize;
    this.thread = new Thread(() -> pump(chunkSize), name);
    thread.setDaemon(true);
    thread.start();
  }

  private void pump(int chunkSize) {
    Object last = END;
    try {
      while (!closed) {
        byte[] chunk = free.poll();
        if (chunk == null && allocated < limit) {
          chunk = new byte[chunkSize];
          allocated++; // this thread only
        }
        while (chunk == null && !closed) {
          // all of them are ahead of the reader, or in its hands: it gives one back soon
          chunk = free.poll(100, TimeUnit.MILLISECONDS);
        }
        if (chunk == null) {
          return;
        }
        int n = source.readNBytes(chunk, 0, chunkSize);
        if (n > 0 && !offer(n == chunkSize ? chunk : Arrays.copyOf(chunk, n))) {
          return;
        }
        if (n < chunkSize) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      last = new InterruptedIOException("interrupted while reading ahead");
    } catch (IOException | RuntimeException | Error e) {
      last = e;
    }
    offer(last);
  }

  /** Waits for room; false when the reader closed meanwhile. */
  private boolean offer(Object item) {
    try {
      while (!closed) {
        if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
          return true;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private boolean fill() throws IOException {
    if (ended) {
      return false;
    }
    while (pos == current.length) {
      if (current.length == chunkSize) {
        free.offer(current); // used up: the thread reads into it again
        current = NONE;
      }
      Object next;
      try {
        next = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading ahead");
      }
      if (next == END) {
        ended = true;
        return false;
      }
      if (next instanceof IOException e) {
        ended = true;
        throw e instanceof InterruptedIOException ? e : new IOException(e.getMessage(), e);
      }
      if (next instanceof UncheckedIOException e) {
        ended = true;
        throw e;
      }
      if (next instanceof RuntimeException e) {
        ended = true;
        throw e;
      }
      if (next instanceof Error e) {
        ended = true;
        throw e;
      }
      current = (byte[]) next;
      pos = 0;
    }
    return true;
  }

  /** How many chunks the reading thread has allocated (for tests). */
  int chunksAllocated() {
    return allocated;
  }

  @Override
  public int read() throws IOException {
    return fill() ? current[pos++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    queue.clear();
    try {
      // the source is closed by the thread that reads it, once its read in progress returns (a
      // hung read ends with the store's read timeout, as it would without the read-ahead)
      thread.join(60_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    source.close();
  }
}
