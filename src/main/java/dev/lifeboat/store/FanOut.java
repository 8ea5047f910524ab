package dev.lifeboat.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Streams one object to several stores at once from a single read. Each store gets its own thread
 * and a small bounded queue of shared, read-only chunks: a slow store slows the producer down
 * (back-pressure), a failed store is dropped and the others go on. Memory is bounded by {@code
 * stores × queueChunks × chunkSize}.
 *
 * <p>A chunk goes back to a pool once every store that received it has written it (an upload's
 * {@code write} copies or sends the bytes before it returns), and the next chunk is taken from
 * there: a long backup allocates no new chunks, so they do not pile up in the old generation as
 * garbage that makes the heap, and the RSS, grow with the size of the dump. A chunk a store drops
 * (it failed, or the stream was aborted) is never given back, only collected.
 */
final class FanOut extends ObjectUpload.Broadcast {

  /** Bytes shared by the lanes, and how many lanes still have to write them. */
  private static final class Chunk {
    final byte[] bytes;
    int length;
    final AtomicInteger pending = new AtomicInteger();

    Chunk(byte[] bytes) {
      this.bytes = bytes;
    }
  }

  private static final Chunk END = new Chunk(new byte[0]);
  private static final Chunk ABORT = new Chunk(new byte[0]);

  private final int chunkSize;
  private final List<Lane> lanes = new ArrayList<>();
  private final Queue<Chunk> free = new ConcurrentLinkedQueue<>();
  private final int poolLimit;
  private Chunk current;
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
    // every chunk in flight can come back: the queues, the one each lane writes, the current one
    this.poolLimit = lanes.size() * (Math.max(1, queueChunks) + 1) + 1;
    this.current = take();
  }

  private int allocated;

  private Chunk take() {
    Chunk chunk = free.poll();
    if (chunk != null) {
      return chunk;
    }
    allocated++;
    return new Chunk(new byte[chunkSize]);
  }

  /** How many chunks this stream has allocated (the writer's thread only; for tests). */
  int chunksAllocated() {
    return allocated;
  }

  /** A lane is done with {@code chunk}: the last one to be done gives it back to the pool. */
  private void release(Chunk chunk) {
    if (chunk.pending.decrementAndGet() == 0 && free.size() < poolLimit) {
      free.offer(chunk);
    }
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = Math.min(len, chunkSize - filled);
      System.arraycopy(b, off, current.bytes, filled, n);
      filled += n;
      off += n;
      len -= n;
      if (filled == chunkSize) {
        dispatch(current, filled);
        current = take();
        filled = 0;
      }
    }
  }

  /** True while at least one store still receives the stream. */
  boolean anyAlive() {
    return lanes.stream().anyMatch(l -> l.failure == null);
  }

  private void dispatch(Chunk chunk, int length) throws IOException {
    chunk.length = length;
    // counted before the first lane can be done with it; a lane that does not take it (failed)
    // is done at once
    chunk.pending.set(lanes.size());
    for (Lane lane : lanes) {
      if (!lane.offer(chunk)) {
        release(chunk);
      }
    }
    if (!anyAlive()) {
      throw new IOException("every store failed: " + failures());
    }
  }

  /** Ends the stream: commits every store still alive and reports how each one ended. */
  @Override
  public Map<String, Outcome> finish() throws IOException {
    return finish(store -> {});
  }

  /**
   * Ends the stream: commits every store still alive and, in that store's own thread right after
   * its commit, runs {@code afterCommit} (the manifest), so a store that finishes is published at
   * once whatever the others do. A store counts as ok only if both succeeded.
   */
  @Override
  public Map<String, Outcome> finish(Consumer<BackupStore> afterCommit) throws IOException {
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
  @Override
  public void abort() {
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

  private final class Lane {
    final BackupStore store;
    final BlockingQueue<Chunk> queue;
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

    /**
     * Waits for room, but stops waiting the moment this lane fails; false when the lane did not
     * take the chunk.
     */
    boolean offer(Chunk chunk) throws IOException {
      try {
        while (failure == null) {
          if (queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            return true;
          }
        }
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while sending to store " + store.name(), e);
      }
    }

    void run() {
      try {
        while (true) {
          Chunk chunk = queue.take();
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
          upload.write(chunk.bytes, 0, chunk.length);
          release(chunk);
        }
      } catch (Throwable t) {
        fail(t);
        upload.abort();
      }
    }
  }
}
