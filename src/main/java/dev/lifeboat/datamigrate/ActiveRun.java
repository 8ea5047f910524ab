package dev.lifeboat.datamigrate;

import dev.lifeboat.pg.PgConnection;
import dev.lifeboat.target.Target;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the chunk workers of one running data migration share in this process: the spec, where the
 * target is, the counters the progress line and gauge read, and the first failure (which stops the
 * other partitions before their next chunk). It also holds what the run's end needs: the session
 * that holds the migration's lock from the door's checks to the end of the job.
 */
final class ActiveRun {

  final DataMigrationSpec spec;
  final PgConnection target;
  final List<DataMigrationStatus.Partition> open;
  final long keysTotal;
  final AtomicLong keysDone;
  final AtomicLong rows = new AtomicLong();
  final AtomicLong chunks = new AtomicLong();
  final long startedNanos = System.nanoTime();
  private final double startRatio;
  private final Consumer<ActiveRun> onChunk;
  volatile String failure;
  volatile String request;

  /** The session holding the migration's lock (and reading its progress) until the run ends. */
  final Connection session;

  final Target on;

  /** Nothing to run (completed, or cancelled while no runner was there): no chunk is tried. */
  final boolean idle;

  final ChunkProgress line;

  ActiveRun(
      DataMigrationSpec spec,
      Target on,
      Connection session,
      boolean idle,
      List<DataMigrationStatus.Partition> partitions,
      ChunkProgress line,
      Consumer<ActiveRun> onChunk) {
    this.spec = spec;
    this.on = on;
    this.target = on.connection();
    this.session = session;
    this.idle = idle;
    this.line = line;
    this.open = idle ? List.of() : partitions.stream().filter(p -> p.next() < p.to()).toList();
    this.keysTotal = partitions.stream().mapToLong(p -> p.to() - p.from()).sum();
    this.keysDone = new AtomicLong(partitions.stream().mapToLong(p -> p.next() - p.from()).sum());
    this.onChunk = onChunk;
    this.startRatio = ratio();
  }

  /** The share done before this run began, for the ETA of this run. */
  double startRatio() {
    return startRatio;
  }

  void chunkDone(long keys, long rowCount) {
    keysDone.addAndGet(keys);
    rows.addAndGet(rowCount);
    chunks.incrementAndGet();
    onChunk.accept(this);
  }

  double ratio() {
    return keysTotal == 0 ? 1.0 : (double) keysDone.get() / keysTotal;
  }
}
