package dev.lifeboat.backup;

import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.ObjectUpload;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Streams one object to several stores at once from a single read. Each store gets its own thread
 * and a small bounded queue of shared, read-only chunks: a slow store slows the producer down
 * (back-pressure), a failed store is dropped and the others go on. Memory is bounded by {@code
 * stores × queueChunks × chunkSize}.
 */
final class FanOut extends OutputStream {

  /** How one store's upload ended. */
  record Outcome(boolean ok, String error) {}

  private static final byte[] END = new byte[0];
  private static final byte[] ABORT = new byte[0];

  private final int chunkSize;
  private final List<Lane> lanes = new ArrayList<>();
  private byte[] current;
  private int filled;
  private boolean closed;

  FanOut(List<BackupStore> stores, String key, int chunkSize, int queueChunks) {
    this.chunkSize = chunkSize;
    for (BackupStore store : stores) {
      Lane lane = new Lane(store, queueChunks);
      lanes.add(lane);
      try {
        lane.upload = store.upload(key);
        lane.thread = new Thread(lane::run, "upload-" + store.name());
        lane.thread.setDaemon(true);
        lane.thread.start();
      } catch (RuntimeException e) {
        lane.fail(e);
      }
    }
    this.current = new byte[chunkSize];
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, chunkSize - filled);
      System.arraycopy(b, off, current, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == chunkSize) {
        dispatch(current, filled);
        current = new byte[chunkSize];
        filled = 0;
      }
    }
  }

  /** True while at least one store still receives the stream. */
  boolean anyAlive() {
    return lanes.stream().anyMatch(l -> l.failure == null);
  }

  private void dispatch(byte[] chunk, int length) throws IOException {
    byte[] piece = length == chunk.length ? chunk : java.util.Arrays.copyOf(chunk, length);
    for (Lane lane : lanes) {
      lane.offer(piece);
    }
    if (!anyAlive()) {
      throw new IOException("every store failed: " + failures());
    }
  }

  /** Ends the stream: commits every store still alive and reports how each one ended. */
  Map<String, Outcome> finish() throws IOException {
    return finish(store -> {});
  }

  /**
   * Ends the stream: commits every store still alive and, in that store's own thread right after
   * its commit, runs {@code afterCommit} (the manifest), so a store that finishes is published at
   * once whatever the others do. A store counts as ok only if both succeeded.
   */
  Map<String, Outcome> finish(Consumer<BackupStore> afterCommit) throws IOException {
    if (!closed) {
      closed = true;
      if (filled > 0) {
        dispatch(current, filled);
      }
      for (Lane lane : lanes) {
        lane.afterCommit = afterCommit; // published to the lane by the queue hand-over of END
        lane.offer(END);
      }
      joinAll();
    }
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    for (Lane lane : lanes) {
      outcomes.put(
          lane.store.name(),
          lane.failure == null && lane.committed && lane.afterCommitFailure == null
              ? new Outcome(true, null)
              : lane.afterCommitFailure != null
                  ? new Outcome(false, message(lane.afterCommitFailure))
                  : new Outcome(false, message(lane.failure)));
    }
    return outcomes;
  }

  /** Abandons the stream: every store discards what it received. Never throws. */
  void abort() {
    if (closed) {
      return;
    }
    closed = true;
    for (Lane lane : lanes) {
      lane.aborting = true;
      lane.queue.clear();
      lane.queue.offer(ABORT);
    }
    joinAll();
  }

  @Override
  public void close() {
    abort();
  }

  private void joinAll() {
    for (Lane lane : lanes) {
      if (lane.thread != null) {
        try {
          lane.thread.join();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private String failures() {
    StringBuilder sb = new StringBuilder();
    for (Lane lane : lanes) {
      if (lane.failure != null) {
        sb.append(sb.isEmpty() ? "" : "; ")
            .append(lane.store.name())
            .append(": ")
            .append(message(lane.failure));
      }
    }
    return sb.toString();
  }

  static String message(Throwable t) {
    if (t == null) {
      return "upload did not complete";
    }
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }

  private static final class Lane {
    final BackupStore store;
    final BlockingQueue<byte[]> queue;
    ObjectUpload upload;
    Thread thread;
    volatile Throwable failure;
    volatile boolean aborting;
    volatile boolean committed;
    Consumer<BackupStore> afterCommit = store -> {};
    volatile Throwable afterCommitFailure;

    Lane(BackupStore store, int capacity) {
      this.store = store;
      this.queue = new ArrayBlockingQueue<>(Math.max(1, capacity));
    }

    void fail(Throwable t) {
      failure = t;
      queue.clear();
    }

    /** Waits for room, but stops waiting the moment this lane fails. */
    void offer(byte[] chunk) throws IOException {
      try {
        while (failure == null) {
          if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            return;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while sending to store " + store.name(), e);
      }
    }

    void run() {
      try {
        while (true) {
          byte[] chunk = queue.take();
          if (chunk == ABORT || aborting) {
            upload.abort();
            return;
          }
          if (chunk == END) {
            upload.commit();
            committed = true;
            try {
              afterCommit.accept(store);
            } catch (RuntimeException e) {
              afterCommitFailure = e;
            }
            return;
          }
          upload.write(chunk, 0, chunk.length);
        }
      } catch (Throwable t) {
        fail(t);
        upload.abort();
      }
    }
  }
}
