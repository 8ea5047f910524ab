package dev.lifeboat.backup;

import com.github.luben.zstd.ZstdInputStream;
import dev.lifeboat.config.ConfigException;
import dev.lifeboat.config.LifeboatConfig;
import dev.lifeboat.config.Target;
import dev.lifeboat.progress.Progress;
import dev.lifeboat.store.BackupStore;
import dev.lifeboat.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;

/**
 * Re-reads a backup from each store and checks it against its manifest: SHA-256 and size of the
 * stored object, and that it decompresses into a pg_dump archive. Stores are read in parallel.
 */
@Component
public final class BackupVerifier {

  private final LifeboatConfig config;
  private final BackupCatalog catalog;
  private final Progress progress;

  BackupVerifier(LifeboatConfig config, BackupCatalog catalog, Progress progress) {
    this.config = config;
    this.catalog = catalog;
    this.progress = progress;
  }

  /**
   * How one store's copy looks: {@code ok}, {@code missing}, {@code corrupt} or {@code
   * unreachable}.
   */
  public record StoreCheck(String store, String status, String detail) {
    public boolean ok() {
      return "ok".equals(status);
    }
  }

  /** The verdict for every store checked; {@code ok} only when every copy is good. */
  public record VerifyResult(
      String id,
      String target,
      String sha256,
      long sizeBytes,
      boolean ok,
      List<StoreCheck> stores) {}

  public VerifyResult verify(Target target, String idOrLatest, String onlyStore) {
    if (onlyStore != null && !target.stores().contains(onlyStore)) {
      throw new ConfigException(
          "--store",
          "target '"
              + target.name()
              + "' has no store named '"
              + onlyStore
              + "' (its stores: "
              + String.join(", ", target.stores())
              + ")");
    }
    BackupCatalog.Entry entry = catalog.find(target, idOrLatest);
    Manifest manifest = entry.manifest();
    List<String> names = onlyStore == null ? target.stores() : List.of(onlyStore);
    AtomicLong done = new AtomicLong();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, names.size()),
            r -> {
              Thread t = new Thread(r, "verify");
              t.setDaemon(true);
              return t;
            });
    try (Progress.Task task =
        progress.start("verify " + manifest.id(), manifest.sizeBytes() * names.size())) {
      List<Future<StoreCheck>> futures = new ArrayList<>();
      for (String name : names) {
        futures.add(
            pool.submit(
                () ->
                    entry.stores().contains(name)
                        ? check(config.store(name), manifest, done, task)
                        : new StoreCheck(
                            name, "missing", "the store holds no complete copy (no manifest)")));
      }
      List<StoreCheck> checks = new ArrayList<>();
      for (Future<StoreCheck> f : futures) {
        checks.add(f.get());
      }
      boolean ok = checks.stream().allMatch(StoreCheck::ok);
      return new VerifyResult(
          manifest.id(), target.name(), manifest.sha256(), manifest.sizeBytes(), ok, checks);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BackupException("verify interrupted", e);
    } catch (ExecutionException e) {
      throw new BackupException("verify failed: " + FanOut.message(e.getCause()), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private StoreCheck check(
      BackupStore store, Manifest expected, AtomicLong done, Progress.Task task) {
    String key = Manifest.dumpKey(expected.target(), expected.id());
    try {
      Manifest own =
          BackupCatalog.readManifest(store, Manifest.manifestKey(expected.target(), expected.id()));
      if (!own.sha256().equals(expected.sha256())) {
        return new StoreCheck(
            store.name(),
            "corrupt",
            "its manifest records a different SHA-256 ("
                + own.sha256()
                + ") than the other stores ("
                + expected.sha256()
                + ")");
      }
      MessageDigest sha = DigestingOutputStream.sha256();
      long size = 0;
      String archiveProblem = null;
      try (InputStream raw = store.open(key);
          DigestInputStream digest = new DigestInputStream(raw, sha)) {
        CountingInput counting = new CountingInput(digest, done, task);
        ZstdInputStream zstd = new ZstdInputStream(counting);
        try {
          zstd.setContinuous(false);
          byte[] header = zstd.readNBytes(5);
          if (!"PGDMP".equals(new String(header, java.nio.charset.StandardCharsets.US_ASCII))) {
            archiveProblem = "it does not decompress into a pg_dump custom-format archive";
          }
          zstd.transferTo(OutputStreamSink.INSTANCE);
        } catch (IOException e) {
          archiveProblem = "it does not decompress: " + e.getMessage();
          counting.transferTo(OutputStreamSink.INSTANCE);
        } finally {
          zstd.close();
        }
        size = counting.count;
      }
      String actual = HexFormat.of().formatHex(sha.digest());
      if (!actual.equals(expected.sha256()) || size != expected.sizeBytes()) {
        return new StoreCheck(
            store.name(),
            "corrupt",
            "SHA-256 "
                + actual
                + " and size "
                + size
                + " do not match the manifest ("
                + expected.sha256()
                + ", "
                + expected.sizeBytes()
                + " bytes)");
      }
      if (archiveProblem != null) {
        return new StoreCheck(store.name(), "corrupt", archiveProblem);
      }
      return new StoreCheck(store.name(), "ok", "SHA-256 and size match, " + size + " bytes");
    } catch (StoreException e) {
      String status = e.kind() == StoreException.Kind.NOT_FOUND ? "missing" : "unreachable";
      return new StoreCheck(store.name(), status, e.getMessage());
    } catch (IllegalArgumentException e) {
      return new StoreCheck(store.name(), "corrupt", "its manifest is damaged: " + e.getMessage());
    } catch (IOException e) {
      return new StoreCheck(store.name(), "unreachable", "reading failed: " + e.getMessage());
    }
  }

  /** Counts bytes read and feeds the progress line. */
  private static final class CountingInput extends java.io.FilterInputStream {
    private final AtomicLong done;
    private final Progress.Task task;
    long count;

    CountingInput(InputStream in, AtomicLong done, Progress.Task task) {
      super(in);
      this.done = done;
      this.task = task;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) {
      count += n;
      long total = done.addAndGet(n);
      task.update(total, -1);
    }
  }

  /** Discards bytes. */
  private static final class OutputStreamSink extends java.io.OutputStream {
    static final OutputStreamSink INSTANCE = new OutputStreamSink();

    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}
  }
}
