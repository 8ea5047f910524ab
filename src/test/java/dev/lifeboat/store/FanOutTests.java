package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FanOutTests {

  @TempDir Path dir;

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }

  @Test
  void everyStoreReceivesTheSameBytesFromOneWrite() throws Exception {
    BackupStore a = BackupStore.filesystem("a", dir.resolve("a"));
    BackupStore b = BackupStore.filesystem("b", dir.resolve("b"));
    byte[] data = random(3 * 1024 + 17);
    FanOut fan = new FanOut(List.of(a, b), "t/1/dump", 1024, 2);
    fan.write(data, 0, data.length);
    Map<String, FanOut.Outcome> outcomes = fan.finish();

    assertThat(outcomes.values()).allMatch(FanOut.Outcome::ok);
    assertThat(Files.readAllBytes(dir.resolve("a/t/1/dump"))).isEqualTo(data);
    assertThat(Files.readAllBytes(dir.resolve("b/t/1/dump"))).isEqualTo(data);
  }

  @Test
  void aLongStreamReusesItsChunksAndEveryStoreStillGetsEveryByte() throws Exception {
    BackupStore a = BackupStore.filesystem("a", dir.resolve("a"));
    BackupStore b = BackupStore.filesystem("b", dir.resolve("b"));
    byte[] data = random(1000 * 1024 + 5);
    FanOut fan = new FanOut(List.of(a, b), "t/1/dump", 1024, 2);
    for (int off = 0; off < data.length; off += 777) {
      fan.write(data, off, Math.min(777, data.length - off));
    }
    Map<String, FanOut.Outcome> outcomes = fan.finish();

    assertThat(outcomes.values()).allMatch(FanOut.Outcome::ok);
    assertThat(Files.readAllBytes(dir.resolve("a/t/1/dump"))).isEqualTo(data);
    assertThat(Files.readAllBytes(dir.resolve("b/t/1/dump"))).isEqualTo(data);
    // 1,001 chunks went through; at most the queues, one being written per store and the one
    // being filled were ever in flight, so the rest came from the pool
    assertThat(fan.chunksAllocated()).isLessThanOrEqualTo(2 * (2 + 1) + 1);
  }

  @Test
  void aFailingStoreIsDroppedAndTheOthersStillComplete() throws Exception {
    BackupStore good = BackupStore.filesystem("good", dir.resolve("good"));
    BackupStore bad = new BrokenStore("bad", 2048);
    byte[] data = random(10 * 1024);
    FanOut fan = new FanOut(List.of(good, bad), "t/1/dump", 1024, 1);
    fan.write(data, 0, data.length);
    Map<String, FanOut.Outcome> outcomes = fan.finish();

    assertThat(outcomes.get("good").ok()).isTrue();
    assertThat(outcomes.get("bad").ok()).isFalse();
    assertThat(outcomes.get("bad").error()).contains("disk on fire");
    assertThat(Files.readAllBytes(dir.resolve("good/t/1/dump"))).isEqualTo(data);
  }

  @Test
  void whenEveryStoreFailsTheWriterIsStopped() {
    FanOut fan =
        new FanOut(List.of(new BrokenStore("x", 0), new BrokenStore("y", 0)), "t/1/dump", 1024, 1);
    byte[] data = random(64 * 1024);
    assertThatThrownBy(
            () -> {
              for (int i = 0; i < 100; i++) {
                fan.write(data, 0, data.length);
              }
            })
        .isInstanceOf(IOException.class)
        .hasMessageContaining("every store failed")
        .hasMessageContaining("x:")
        .hasMessageContaining("y:");
    fan.abort();
  }

  @Test
  void aSlowStoreHoldsTheWriterBackInsteadOfBufferingEverything() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    SlowStore slow = new SlowStore(release);
    FanOut fan = new FanOut(List.of(slow), "t/1/dump", 1024, 2);
    Thread writer =
        new Thread(
            () -> {
              try {
                byte[] data = random(1024);
                for (int i = 0; i < 50; i++) {
                  fan.write(data, 0, data.length);
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    writer.start();
    writer.join(500);
    assertThat(writer.isAlive()).as("the writer must block on the full queue").isTrue();
    release.countDown();
    writer.join(5000);
    assertThat(writer.isAlive()).isFalse();
    fan.finish();
    assertThat(slow.received).isEqualTo(50 * 1024);
  }

  @Test
  void aStoreIsPublishedAsSoonAsItsOwnUploadCommitsWhileAnotherStillHangs() throws Exception {
    BackupStore good = BackupStore.filesystem("good", dir.resolve("good"));
    CountDownLatch release = new CountDownLatch(1);
    HangingCommitStore hung = new HangingCommitStore(release);
    FanOut fan = new FanOut(List.of(hung, good), "t/1/dump", 1024, 2);
    byte[] data = random(4000);
    fan.write(data, 0, data.length);
    List<String> published = new CopyOnWriteArrayList<>();
    AtomicReference<Map<String, FanOut.Outcome>> outcomes = new AtomicReference<>();
    Thread finisher =
        new Thread(
            () -> {
              try {
                outcomes.set(
                    fan.finish(
                        store -> {
                          store.put("t/1/manifest.json", new byte[] {'{', '}'});
                          published.add(store.name());
                        }));
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    finisher.start();

    // wait for the publication itself, not for its file: the file appears a moment before the
    // publisher returns, and on a loaded machine that moment was long enough to fail the test
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (published.isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertThat(dir.resolve("good/t/1/manifest.json"))
        .as("the healthy store's manifest is written while the other store still hangs")
        .exists();
    assertThat(finisher.isAlive()).isTrue();
    assertThat(published).containsExactly("good");

    hung.fail.set(true);
    release.countDown(); // the hung store's timeout fires: its commit fails
    finisher.join(30_000);
    assertThat(finisher.isAlive()).isFalse();
    assertThat(outcomes.get().get("good").ok()).isTrue();
    assertThat(outcomes.get().get("hung").ok()).isFalse();
    assertThat(outcomes.get().get("hung").error()).contains("timed out");
    assertThat(published).containsExactly("good");
  }

  @Test
  void aStoreWhoseManifestCannotBeWrittenIsNotOk() throws Exception {
    BackupStore good = BackupStore.filesystem("good", dir.resolve("good"));
    FanOut fan = new FanOut(List.of(good), "t/1/dump", 1024, 2);
    fan.write(random(10), 0, 10);
    Map<String, FanOut.Outcome> outcomes =
        fan.finish(
            store -> {
              throw new IllegalStateException("writing the manifest failed: no");
            });
    assertThat(outcomes.get("good").ok()).isFalse();
    assertThat(outcomes.get("good").error()).isEqualTo("writing the manifest failed: no");
  }

  @Test
  void abortLeavesNothingVisible() throws Exception {
    BackupStore a = BackupStore.filesystem("a", dir.resolve("a"));
    FanOut fan = new FanOut(List.of(a), "t/1/dump", 1024, 2);
    byte[] data = random(5000);
    fan.write(data, 0, data.length);
    fan.abort();
    assertThat(a.list("t/")).isEmpty();
  }

  /** Fails once it has received {@code failAfter} bytes. */
  static class BrokenStore implements BackupStore {
    final String name;
    final long failAfter;

    BrokenStore(String name, long failAfter) {
      this.name = name;
      this.failAfter = failAfter;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Set<StoreFeature> features() {
      return Set.of();
    }

    @Override
    public ObjectUpload upload(String key) {
      return new ObjectUpload() {
        long n;

        @Override
        public void write(byte[] bytes, int offset, int length) {
          n += length;
          if (n > failAfter) {
            throw new StoreException(name, StoreException.Kind.NO_SPACE, "disk on fire");
          }
        }

        @Override
        public void commit() {}

        @Override
        public void abort() {}
      };
    }

    @Override
    public void put(String key, byte[] content) {}

    @Override
    public InputStream open(String key) {
      throw new StoreException(name, StoreException.Kind.NOT_FOUND, "none");
    }

    @Override
    public List<StoredObject> list(String prefix) {
      return List.of();
    }

    @Override
    public java.util.Optional<StoredObject> stat(String key) {
      return java.util.Optional.empty();
    }

    @Override
    public void delete(Collection<String> keys) {}

    @Override
    public void probe() {}

    @Override
    public OptionalLong freeBytes() {
      return OptionalLong.empty();
    }

    @Override
    public String describe() {
      return name;
    }

    @Override
    public void close() {}
  }

  /** Accepts bytes only once released. */
  static final class SlowStore extends BrokenStore {
    final CountDownLatch release;
    volatile long received;

    SlowStore(CountDownLatch release) {
      super("slow", Long.MAX_VALUE);
      this.release = release;
    }

    @Override
    public ObjectUpload upload(String key) {
      return new ObjectUpload() {
        @Override
        public void write(byte[] bytes, int offset, int length) {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          received += length;
        }

        @Override
        public void commit() {}

        @Override
        public void abort() {}
      };
    }
  }

  /** Commits only once released, then fails as a store that timed out. */
  static final class HangingCommitStore extends BrokenStore {
    final CountDownLatch release;
    final AtomicBoolean fail = new AtomicBoolean();

    HangingCommitStore(CountDownLatch release) {
      super("hung", Long.MAX_VALUE);
      this.release = release;
    }

    @Override
    public ObjectUpload upload(String key) {
      return new ObjectUpload() {
        @Override
        public void write(byte[] bytes, int offset, int length) {}

        @Override
        public void commit() {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          if (fail.get()) {
            throw new StoreException(name, StoreException.Kind.UNAVAILABLE, "request timed out");
          }
        }

        @Override
        public void abort() {}
      };
    }
  }
}
