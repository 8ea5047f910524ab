package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.testing.S3ProxyServer;
import dev.lifeboat.testing.SilentServer;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Part;

/** The contract and S3's own failure modes against a real s3proxy process. */
class S3StoreIntegrationTests extends BackupStoreContractTests {

  private static final String BUCKET = "lifeboat-contract";

  private static S3ProxyServer shared;
  private static S3ProxyServer faulty; // ours alone: tests stop and kill it

  private String prefix;

  @BeforeAll
  static void startServers() {
    shared = S3ProxyServer.shared("store-tests");
    shared.createBucket(BUCKET);
    faulty = S3ProxyServer.start();
    faulty.createBucket(BUCKET);
  }

  @AfterAll
  static void stopFaultyServer() {
    if (faulty != null) {
      faulty.close();
    }
  }

  @Override
  protected BackupStore newStore() {
    prefix = "run-" + UUID.randomUUID() + "/lifeboat/"; // each test sees an empty store
    return new S3Store(settings(shared, "primary", BUCKET, prefix, shared.secretKey()));
  }

  @Override
  protected BackupStore unreachableStore() {
    return new S3Store(
        new S3StoreSettings(
            "gone",
            java.net.URI.create(
                "http://127.0.0.1:" + dev.lifeboat.testing.PostgresServer.freePort()),
            shared.region(),
            BUCKET,
            "lifeboat/",
            true,
            shared.accessKey(),
            shared.secretKey(),
            ChecksumMode.WHEN_REQUIRED,
            S3StoreSettings.MIN_PART_SIZE_BYTES,
            null,
            null,
            null));
  }

  static S3StoreSettings settings(
      S3ProxyServer server, String name, String bucket, String prefix, String secret) {
    return new S3StoreSettings(
        name,
        server.endpoint(),
        server.region(),
        bucket,
        prefix,
        true,
        server.accessKey(),
        secret,
        ChecksumMode.WHEN_REQUIRED,
        S3StoreSettings.MIN_PART_SIZE_BYTES,
        null,
        null,
        null);
  }

  @Test
  void objectsLiveUnderTheStorePrefixInTheBucket() {
    store.put("app/1/manifest.json", bytes(3));

    try (S3Client s3 = shared.client()) {
      assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(prefix)).contents())
          .extracting(o -> o.key())
          .containsExactly(prefix + "app/1/manifest.json");
    }
  }

  @Test
  void everyPartButTheLastHasTheSameSize() {
    S3Store s3Store = (S3Store) store;
    ObjectUpload upload = store.upload("app/1/dump");
    writeInChunks(upload, randomBytes(partSizeBytes() * 2 + partSizeBytes() / 2 + 1), 999_983);

    S3Store.UnfinishedUpload pending = s3Store.unfinishedUploads("app/").get(0);
    try (S3Client s3 = shared.client()) {
      assertThat(
              s3.listParts(
                      b ->
                          b.bucket(BUCKET).key(prefix + pending.key()).uploadId(pending.uploadId()))
                  .parts())
          .extracting(Part::size)
          .containsExactly((long) partSizeBytes(), (long) partSizeBytes());
    }
    upload.commit();

    assertThat(s3Store.unfinishedUploads("")).isEmpty();
    assertThat(store.list("app/").get(0).size())
        .isEqualTo(partSizeBytes() * 2L + partSizeBytes() / 2 + 1);
  }

  @Test
  void anAbortedMultipartUploadLeavesNoPartsOnTheServer() {
    ObjectUpload upload = store.upload("app/1/dump");
    writeInChunks(upload, randomBytes(partSizeBytes() * 2), 1 << 20);
    assertThat(((S3Store) store).unfinishedUploads("")).hasSize(1);

    upload.abort();

    assertThat(((S3Store) store).unfinishedUploads("")).isEmpty();
  }

  @Test
  void deletingMoreKeysThanOneRequestAllowsDeletesThemAll() {
    List<String> keys =
        IntStream.rangeClosed(1, S3Store.DELETE_BATCH_SIZE + 1)
            .mapToObj(i -> "app/" + i + "/manifest.json")
            .toList();
    keys.parallelStream().forEach(key -> store.put(key, bytes(1)));

    store.delete(keys);

    assertThat(store.list("")).isEmpty();
  }

  @Test
  void aServerThatAcceptsAndNeverAnswersFailsEveryOperationWithinItsTimeouts() throws Exception {
    try (SilentServer silent = new SilentServer();
        S3Store hung =
            new S3Store(
                new S3StoreSettings(
                    "hung",
                    URI.create(silent.endpoint()),
                    "us-east-1",
                    BUCKET,
                    "",
                    true,
                    "key",
                    "secret-of-hung",
                    ChecksumMode.WHEN_REQUIRED,
                    S3StoreSettings.MIN_PART_SIZE_BYTES,
                    new S3StoreSettings.Timeouts(
                        Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(2)),
                    null,
                    null))) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> hung.list("app/"))
          .isInstanceOf(StoreException.class)
          .satisfies(
              e ->
                  assertThat(((StoreException) e).kind())
                      .isEqualTo(StoreException.Kind.UNAVAILABLE));
      assertThatThrownBy(() -> hung.put("app/1/manifest.json", bytes(10)))
          .isInstanceOf(StoreException.class);
      assertThatThrownBy(hung::probe)
          .isInstanceOf(StoreException.class)
          .satisfies(
              e ->
                  assertThat(((StoreException) e).kind())
                      .isEqualTo(StoreException.Kind.UNAVAILABLE));
      ObjectUpload upload = hung.upload("app/1/dump");
      upload.write(bytes(1000), 0, 1000);
      assertThatThrownBy(upload::commit).isInstanceOf(StoreException.class);
      Duration took = Duration.ofNanos(System.nanoTime() - start);

      // three calls, each at most three attempts of its timeout
      assertThat(took).isLessThan(Duration.ofSeconds(3 + 3 + 6 + 5));
      assertThat(silent.accepted()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void aSlowReaderOfALargeObjectIsNotCutOffByTheRequestTimeout() throws Exception {
    S3StoreSettings plain = settings(shared, "slow-reader", BUCKET, prefix, shared.secretKey());
    byte[] content = randomBytes(6 * 1024 * 1024);
    store.put("app/1/dump", content);
    try (S3Store quick =
            new S3Store(
                new S3StoreSettings(
                    plain.name(),
                    plain.endpoint(),
                    plain.region(),
                    plain.bucket(),
                    plain.prefix(),
                    plain.pathStyle(),
                    plain.accessKey(),
                    plain.secretKey(),
                    plain.checksumMode(),
                    plain.partSizeBytes(),
                    new S3StoreSettings.Timeouts(
                        Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
                    null,
                    null));
        InputStream in = quick.open("app/1/dump")) {
      byte[] first = in.readNBytes(1024);
      Thread.sleep(4_000); // longer than every attempt of the request timeout together
      byte[] rest = in.readAllBytes();
      byte[] all = new byte[first.length + rest.length];
      System.arraycopy(first, 0, all, 0, first.length);
      System.arraycopy(rest, 0, all, first.length, rest.length);
      assertThat(sha256(all)).isEqualTo(sha256(content));
    }
  }

  @Test
  void checksumsCanBeTurnedOnForServersThatSupportThem() {
    S3StoreSettings plain = settings(shared, "aws-like", BUCKET, prefix, shared.secretKey());
    S3StoreSettings withChecksums =
        new S3StoreSettings(
            plain.name(),
            plain.endpoint(),
            plain.region(),
            plain.bucket(),
            plain.prefix(),
            plain.pathStyle(),
            plain.accessKey(),
            plain.secretKey(),
            ChecksumMode.WHEN_SUPPORTED,
            plain.partSizeBytes(),
            null,
            null,
            null);
    byte[] content = randomBytes(partSizeBytes() + partSizeBytes() / 3);
    try (S3Store checked = new S3Store(withChecksums)) {
      ObjectUpload upload = checked.upload("app/1/dump");
      writeInChunks(upload, content, 1 << 20);
      upload.commit();
      checked.put("app/1/manifest.json", bytes(10));
      checked.delete(List.of("app/1/manifest.json"));
    }

    assertThat(sha256(read("app/1/dump"))).isEqualTo(sha256(content));
    assertThat(store.list("app/")).extracting(StoredObject::key).containsExactly("app/1/dump");
  }

  @Test
  void aStoppedServerIsUnavailableNamingTheStoreAndEndpointWithoutTheSecret() {
    try (S3Store down = new S3Store(settings(faulty, "primary", BUCKET, "", faulty.secretKey()))) {
      faulty.stop();
      try {
        for (Runnable action :
            List.<Runnable>of(
                () -> down.put("app/1/manifest.json", bytes(1)),
                () -> down.list("app/"),
                () -> down.open("app/1/dump"),
                () -> down.delete(List.of("app/1/dump")))) {
          assertThatThrownBy(action::run)
              .isInstanceOfSatisfying(
                  StoreException.class,
                  e -> {
                    assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE);
                    assertThat(e.store()).isEqualTo("primary");
                    assertThat(e.getMessage())
                        .startsWith(
                            "store 'primary' (s3://" + BUCKET + "/ at " + faulty.endpoint() + ")")
                        .contains("is unreachable: Connection refused")
                        .contains("check the endpoint")
                        .doesNotContain(faulty.secretKey());
                  });
        }
      } finally {
        faulty.restart();
      }
    }
  }

  @Test
  void aWrongSecretIsAccessDeniedAndTheSecretNeverAppears() {
    String wrong = "wrong-secret-" + UUID.randomUUID();
    try (S3Store denied = new S3Store(settings(shared, "primary", BUCKET, prefix, wrong))) {
      assertThatThrownBy(() -> denied.put("app/1/manifest.json", bytes(1)))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.ACCESS_DENIED);
                assertThat(e.getMessage())
                    .contains("store 'primary'")
                    .contains("lifeboat.stores.primary.access-key")
                    .contains("lifeboat.stores.primary.secret-key")
                    .doesNotContain(wrong)
                    .doesNotContain(shared.secretKey());
                assertThat(denied.toString()).doesNotContain(wrong);
              });
    }
  }

  @Test
  void aMissingBucketIsNotFoundNamingTheBucket() {
    try (S3Store nowhere =
        new S3Store(settings(shared, "primary", "no-such-bucket", "", shared.secretKey()))) {
      assertThatThrownBy(() -> nowhere.list(""))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
                assertThat(e.getMessage())
                    .contains("store 'primary'")
                    .contains("no bucket 'no-such-bucket'")
                    .contains("lifeboat.stores.primary.bucket");
              });
    }
  }

  @Test
  void anUploadCutOffMidwayLeavesNoObjectAndItsPartsAreFoundAndAbortedLater() {
    int part = S3StoreSettings.MIN_PART_SIZE_BYTES;
    try (S3Store primary =
        new S3Store(settings(faulty, "primary", BUCKET, "cut/", faulty.secretKey()))) {
      ObjectUpload upload = primary.upload("app/1/dump");
      upload.write(randomBytes(part + 1), 0, part + 1); // the first part is on the server now
      assertThat(primary.unfinishedUploads("app/")).hasSize(1);

      faulty.kill();
      List<StoreException> failures = new ArrayList<>();
      try {
        upload.write(randomBytes(part), 0, part);
        upload.commit();
      } catch (StoreException e) {
        failures.add(e);
      } finally {
        faulty.restart();
      }

      assertThat(failures)
          .singleElement()
          .satisfies(e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE));
      assertThat(primary.list("")).isEmpty();
      // The abort could not reach a dead server, so the parts are still there; pruning finds them.
      List<S3Store.UnfinishedUpload> left = primary.unfinishedUploads("");
      assertThat(left).extracting(S3Store.UnfinishedUpload::key).containsExactly("app/1/dump");
      assertThat(left.get(0).initiated()).isNotNull();

      left.forEach(primary::abortUpload);
      primary.abortUpload(left.get(0)); // already gone: not an error

      assertThat(primary.unfinishedUploads("")).isEmpty();
      assertThat(primary.list("")).isEmpty();
    }
  }

  @Test
  void describeShowsBucketPrefixAndEndpoint() {
    assertThat(store.describe())
        .isEqualTo("s3://" + BUCKET + "/" + prefix + " at " + shared.endpoint());
    assertThat(store.features()).containsExactly(StoreFeature.MULTIPART);
    assertThat(store.freeBytes()).isEmpty();
  }

  @Test
  void anUnknownHostIsUnavailable() {
    S3StoreSettings base = settings(shared, "primary", BUCKET, "", shared.secretKey());
    S3StoreSettings unknown =
        new S3StoreSettings(
            "primary",
            URI.create("http://no-such-host.invalid:9000"),
            base.region(),
            BUCKET,
            "",
            true,
            base.accessKey(),
            base.secretKey(),
            null,
            0,
            null,
            null,
            null);
    try (S3Store nowhere = new S3Store(unknown)) {
      assertThatThrownBy(() -> nowhere.list(""))
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE);
                assertThat(e.getMessage()).contains("no-such-host.invalid");
              });
    }
  }
}
