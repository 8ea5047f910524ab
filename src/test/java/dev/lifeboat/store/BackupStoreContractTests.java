package dev.lifeboat.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BackupStore} driver promises; each driver's tests extend this class, so the
 * filesystem and S3 stores are held to the same behaviour.
 */
abstract class BackupStoreContractTests {

  protected BackupStore store;

  /** A fresh, empty store for one test. */
  protected abstract BackupStore newStore() throws Exception;

  /** A store of this driver that cannot answer (a directory that cannot exist, a dead port). */
  protected abstract BackupStore unreachableStore() throws Exception;

  /** How many bytes make one upload part, so tests can cross part boundaries. */
  protected int partSizeBytes() {
    return S3StoreSettings.MIN_PART_SIZE_BYTES;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void aStoreThatAnswersPassesItsHealthProbeAndOneThatCannotFailsIt() throws Exception {
    store.probe(); // an empty store answers too
    store.put("app/20261125T020000Z/manifest.json", "{}".getBytes(StandardCharsets.UTF_8));
    store.probe();
    assertThat(store.list("app/")).hasSize(1);

    try (BackupStore dead = unreachableStore()) {
      assertThatThrownBy(dead::probe)
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(StoreException.Kind.UNAVAILABLE);
                assertThat(e.getMessage()).contains(dead.name());
              });
    }
  }

  @Test
  void statFindsAnObjectByItsKeyAndNothingForAMissingOrUnfinishedOne() {
    store.put("app/1/manifest.json", bytes(5));
    ObjectUpload upload = store.upload("app/2/dump");
    writeInChunks(upload, randomBytes(partSizeBytes() + 10), 1 << 20);

    assertThat(store.stat("app/1/manifest.json"))
        .hasValueSatisfying(
            o -> {
              assertThat(o.key()).isEqualTo("app/1/manifest.json");
              assertThat(o.size()).isEqualTo(5);
              assertThat(o.lastModified()).isNotNull();
            });
    assertThat(store.stat("app/1/dump")).isEmpty();
    assertThat(store.stat("app/2/dump")).isEmpty(); // not committed yet
    assertThat(store.stat("app/1")).isEmpty(); // a "directory" is not an object
    upload.commit();
    assertThat(store.stat("app/2/dump")).isPresent();
  }

  @Test
  void statOfAStoreThatCannotAnswerFailsInsteadOfSayingAbsent() throws Exception {
    try (BackupStore dead = unreachableStore()) {
      assertThatThrownBy(() -> dead.stat("app/1/manifest.json")).isInstanceOf(StoreException.class);
    }
  }

  @Test
  void anUploadSpanningSeveralPartsReadsBackByteForByte() {
    byte[] content = randomBytes(partSizeBytes() * 3 + partSizeBytes() / 2);

    ObjectUpload upload = store.upload("app/20261125T020000Z/dump");
    writeInChunks(upload, content, 64 * 1024 + 7); // odd chunks cross part boundaries mid-write
    upload.commit();

    assertThat(sha256(read("app/20261125T020000Z/dump"))).isEqualTo(sha256(content));
    assertThat(store.list("app/"))
        .extracting(StoredObject::key, StoredObject::size)
        .containsExactly(tuple("app/20261125T020000Z/dump", (long) content.length));
  }

  @Test
  void nothingIsVisibleBeforeCommit() {
    ObjectUpload upload = store.upload("app/1/dump");
    writeInChunks(upload, randomBytes(partSizeBytes() + 1000), 1 << 20);

    assertThat(store.list("")).isEmpty();
    assertThatThrownBy(() -> store.open("app/1/dump"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND));

    upload.commit();
    assertThat(store.list("")).extracting(StoredObject::key).containsExactly("app/1/dump");
  }

  @Test
  void anAbortedUploadLeavesNothingListable() {
    ObjectUpload upload = store.upload("app/1/dump");
    writeInChunks(upload, randomBytes(partSizeBytes() + 1000), 1 << 20);

    upload.abort();
    upload.abort(); // a second abort is harmless

    assertThat(store.list("")).isEmpty();
  }

  @Test
  void aWriteThatNeverEndedIsALeftoverUntilRemovedAndNeverListed() {
    ObjectUpload upload = store.upload("app/1/dump");
    writeInChunks(upload, randomBytes(partSizeBytes() * 2), 1 << 20);
    // neither committed nor aborted: the process that wrote it died

    List<Leftover> left = store.leftovers("app/");
    assertThat(left).hasSize(1);
    assertThat(left.get(0).key()).startsWith("app/1/"); // the id's folder: prune tells whose it is
    assertThat(left.get(0).since()).isNotNull();
    assertThat(left.get(0).describe()).startsWith(left.get(0).key());
    assertThat(store.leftovers("other/")).isEmpty();
    assertThat(store.list("")).isEmpty();

    store.removeLeftover(left.get(0));
    store.removeLeftover(left.get(0)); // one already gone is not an error

    assertThat(store.leftovers("")).isEmpty();
    assertThat(store.list("")).isEmpty();
    assertThatThrownBy(
            () ->
                store.removeLeftover(new Leftover(otherKind(left.get(0)), "app/1/dump", "x", null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a leftover");
  }

  private static Leftover.Kind otherKind(Leftover l) {
    return l.kind() == Leftover.Kind.PARTIAL_FILE
        ? Leftover.Kind.MULTIPART_UPLOAD
        : Leftover.Kind.PARTIAL_FILE;
  }

  @Test
  void aFinishedUploadRefusesMoreBytes() {
    ObjectUpload upload = store.upload("app/1/dump");
    upload.commit();

    assertThatThrownBy(() -> upload.write(new byte[1], 0, 1))
        .isInstanceOf(IllegalStateException.class);
    upload.abort(); // never throws, and does not undo the commit
    assertThat(store.list("app/")).hasSize(1);
  }

  @Test
  void aSmallObjectPutIsReadBackWhole() {
    byte[] manifest = "{\"id\":\"20261125T020000Z\"}".getBytes(StandardCharsets.UTF_8);

    store.put("app/20261125T020000Z/manifest.json", manifest);

    assertThat(read("app/20261125T020000Z/manifest.json")).isEqualTo(manifest);
  }

  @Test
  void anEmptyUploadMakesAnEmptyObject() {
    ObjectUpload upload = store.upload("app/1/empty");
    upload.commit();

    assertThat(read("app/1/empty")).isEmpty();
    assertThat(store.list("app/1/"))
        .extracting(StoredObject::key, StoredObject::size)
        .containsExactly(tuple("app/1/empty", 0L));
  }

  @Test
  void listingByPrefixReturnsRelativeKeysWithSizes() {
    store.put("app/1/dump", bytes(3));
    store.put("app/1/manifest.json", bytes(5));
    store.put("app/10/dump", bytes(7));
    store.put("other/1/dump", bytes(11));

    assertThat(store.list("app/"))
        .extracting(StoredObject::key, StoredObject::size)
        .containsExactlyInAnyOrder(
            tuple("app/1/dump", 3L), tuple("app/1/manifest.json", 5L), tuple("app/10/dump", 7L));
    assertThat(store.list("app/1/"))
        .extracting(StoredObject::key)
        .containsExactlyInAnyOrder("app/1/dump", "app/1/manifest.json");
    assertThat(store.list("app/1")) // a prefix is a string prefix, not a directory
        .extracting(StoredObject::key)
        .containsExactlyInAnyOrder("app/1/dump", "app/1/manifest.json", "app/10/dump");
    assertThat(store.list("")).hasSize(4);
    assertThat(store.list("nothing-here/")).isEmpty();
    assertThat(store.list("app/")).allSatisfy(o -> assertThat(o.lastModified()).isNotNull());
  }

  @Test
  void deleteRemovesTheObjectsAndIgnoresMissingKeys() {
    store.put("app/1/dump", bytes(3));
    store.put("app/1/manifest.json", bytes(3));
    store.put("app/2/dump", bytes(3));

    store.delete(List.of("app/1/dump", "app/1/manifest.json", "app/9/never-existed"));
    store.delete(List.of());

    assertThat(store.list("")).extracting(StoredObject::key).containsExactly("app/2/dump");
  }

  @Test
  void openingAMissingKeyFailsWithNotFoundNamingTheKey() {
    assertThatThrownBy(() -> store.open("app/1/dump"))
        .isInstanceOfSatisfying(
            StoreException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(StoreException.Kind.NOT_FOUND);
              assertThat(e.store()).isEqualTo(store.name());
              assertThat(e.getMessage()).contains("app/1/dump").contains(store.name());
            });
  }

  @Test
  void writingAnExistingKeyReplacesItWhole() {
    store.put("app/1/manifest.json", bytes(100));
    store.put("app/1/manifest.json", bytes(2));
    ObjectUpload upload = store.upload("app/1/dump");
    writeInChunks(upload, bytes(50), 50);
    upload.commit();
    byte[] second = randomBytes(partSizeBytes() + 10);
    upload = store.upload("app/1/dump");
    writeInChunks(upload, second, 1 << 20);
    upload.commit();

    assertThat(read("app/1/manifest.json")).isEqualTo(bytes(2));
    assertThat(sha256(read("app/1/dump"))).isEqualTo(sha256(second));
    assertThat(store.list("app/")).hasSize(2);
  }

  @Test
  void keysThatCouldEscapeTheStoreAreRefused() {
    for (String key : List.of("../outside", "/absolute", "app//dump", "app/./dump", "app/", "")) {
      assertThatThrownBy(() -> store.put(key, bytes(1)))
          .as("key '%s'", key)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void describeNamesTheLocationWithoutSecrets() {
    assertThat(store.describe()).isNotBlank();
  }

  protected byte[] read(String key) {
    try (InputStream in = store.open(key)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  protected static void writeInChunks(ObjectUpload upload, byte[] content, int chunk) {
    for (int offset = 0; offset < content.length; offset += chunk) {
      upload.write(content, offset, Math.min(chunk, content.length - offset));
    }
  }

  protected static byte[] randomBytes(int length) {
    byte[] bytes = new byte[length];
    new Random(length).nextBytes(bytes);
    return bytes;
  }

  protected static byte[] bytes(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return bytes;
  }

  protected static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
