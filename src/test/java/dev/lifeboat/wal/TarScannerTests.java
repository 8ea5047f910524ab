package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lifeboat.pg.Lsn;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scanner on tars written here, byte by byte as ustar, pax and GNU tar lay them out; the label
 * and manifest texts are pg_basebackup 15's (PgBaseBackupIntegrationTests scans a real one).
 */
class TarScannerTests {

  static final String LABEL =
      """
      START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
      CHECKPOINT LOCATION: 0/2000060
      BACKUP METHOD: streamed
      BACKUP FROM: primary
      START TIME: 2026-12-07 18:06:13 UTC
      LABEL: lifeboat-app-20261207T180613Z
      START TIMELINE: 1
      """;

  static final String MANIFEST_END =
      """
      { "Path": "global/pg_control", "Size": 8192, "Last-Modified": "2026-12-07 18:06:13 GMT", \
      "Checksum-Algorithm": "CRC32C", "Checksum": "43872087" }
      ],
      "WAL-Ranges": [
      { "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" }
      ],
      "Manifest-Checksum": "5bdba52c55a58b4ebb0e1a5cc54f170720ea31b0b6e73d89a98f82282646fdfb"}""";

  @Test
  void readsTheLabelAndTheWalRangesWhilePassingEveryByteOnUnchanged() throws IOException {
    byte[] tar =
        new Tar()
            .file("backup_label", LABEL)
            .file("tablespace_map", "")
            .dir("base/")
            .file("base/1/1259", random(20_000, 1))
            .file("PG_VERSION", "15\n")
            .file("backup_manifest", manifest(200_000))
            .end();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    TarScanner scanner = new TarScanner(out);
    // in odd pieces, as a pipe delivers them: headers and data split anywhere
    Random random = new Random(7);
    int i = 0;
    while (i < tar.length) {
      int n = Math.min(tar.length - i, 1 + random.nextInt(1500));
      scanner.write(tar, i, n);
      i += n;
    }
    TarScanner.Scan scan = scanner.finishWithManifest();

    assertThat(out.toByteArray()).isEqualTo(tar);
    assertThat(scan.label())
        .isEqualTo(
            new TarScanner.BackupLabel(
                Lsn.parse("0/2000028"),
                "000000010000000000000002",
                Lsn.parse("0/2000060"),
                1,
                "2026-12-07 18:06:13 UTC",
                "lifeboat-app-20261207T180613Z"));
    assertThat(scan.walRanges())
        .containsExactly(
            new TarScanner.WalRange(1, Lsn.parse("0/2000028"), Lsn.parse("0/2000100")));
    assertThat(scan.stop().end()).isEqualTo(Lsn.parse("0/2000100"));
    assertThat(scan.tablespaceMapBytes()).isZero();
    assertThat(scan.tarBytes()).isEqualTo(tar.length);
    assertThat(scanner.members()).isEqualTo(6);
    assertThat(scanner.firstName()).isEqualTo("backup_label");
    assertThat(scanner.lastName()).isEqualTo("backup_manifest");
  }

  @Test
  void theStopIsTheLatestEndOfAManifestOverTwoTimelines() throws IOException {
    String ranges =
        """
        "WAL-Ranges": [
        { "Timeline": 2, "Start-LSN": "0/3000000", "End-LSN": "0/3000100" },
        { "Timeline": 1, "Start-LSN": "0/2FFFF28", "End-LSN": "0/3000000" }
        ],
        "Manifest-Checksum": "00"}""";
    TarScanner.Scan scan =
        scan(
            new Tar()
                .file("backup_label", LABEL)
                .file("backup_manifest", "{ \"Files\": [\n],\n" + ranges)
                .end());
    assertThat(scan.walRanges()).hasSize(2);
    assertThat(scan.stop())
        .isEqualTo(new TarScanner.WalRange(2, Lsn.parse("0/3000000"), Lsn.parse("0/3000100")));
  }

  @Test
  void paxAndGnuLongNamesNameTheMemberThatFollows() throws IOException {
    String deep = "base/16384/" + "x".repeat(120);
    TarScanner.Scan scan =
        scan(
            new Tar()
                .pax("backup_label", LABEL.length())
                .file("ignored-by-pax", LABEL)
                .longName(deep)
                .file("ignored-by-long-name", "data")
                .longName("backup_manifest")
                .file("truncated", manifest(10))
                .end());
    assertThat(scan.label().label()).isEqualTo("lifeboat-app-20261207T180613Z");
    assertThat(scan.stop().end()).isEqualTo(Lsn.parse("0/2000100"));
  }

  @Test
  void aCopyWithoutAManifestOrLabelOrEndIsNamedForWhatItLacks() throws IOException {
    byte[] noManifest = new Tar().file("backup_label", LABEL).file("PG_VERSION", "15\n").end();
    TarScanner scanner = new TarScanner(new ByteArrayOutputStream());
    scanner.write(noManifest);
    assertThat(scanner.finish().hasManifest()).isFalse();
    assertThatThrownBy(scanner::finishWithManifest)
        .hasMessage("pg_basebackup's output has no backup_manifest; is the server older than 13?");

    assertThatThrownBy(() -> scan(new Tar().file("backup_manifest", manifest(10)).end()))
        .hasMessage("pg_basebackup's tar has no backup_label");

    byte[] whole = new Tar().file("backup_label", LABEL).file("backup_manifest", manifest(1)).end();
    TarScanner cut = new TarScanner(new ByteArrayOutputStream());
    cut.write(whole, 0, 1024 + 100);
    assertThatThrownBy(cut::finishWithManifest).hasMessageContaining("tar ended early");
  }

  @Test
  void bytesThatAreNotATarFailAtTheFirstHeader() {
    byte[] notTar = "PGDMP custom format archive".getBytes(StandardCharsets.UTF_8);
    byte[] block = Arrays.copyOf(notTar, 512);
    TarScanner scanner = new TarScanner(new ByteArrayOutputStream());
    assertThatThrownBy(() -> scanner.write(block))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a tar");
  }

  private static TarScanner.Scan scan(byte[] tar) throws IOException {
    TarScanner scanner = new TarScanner(new ByteArrayOutputStream());
    scanner.write(tar);
    return scanner.finishWithManifest();
  }

  // a manifest whose WAL-Ranges come after `files` lines of file entries
  private static String manifest(int files) {
    StringBuilder s =
        new StringBuilder("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n");
    for (int i = 0; i < files; i++) {
      s.append("{ \"Path\": \"base/5/")
          .append(i)
          .append(
              "\", \"Size\": 8192, \"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"00\" },\n");
    }
    return s.append(MANIFEST_END).toString();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A tar written as ustar: 512-byte headers, octal fields, data padded to 512. */
  static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar file(String name, String text) {
      return file(name, text.getBytes(StandardCharsets.UTF_8));
    }

    Tar file(String name, byte[] data) {
      member(name, '0', data);
      return this;
    }

    Tar dir(String name) {
      member(name, '5', new byte[0]);
      return this;
    }

    // a pax header whose records name the next member and its size
    Tar pax(String path, long size) {
      String records = record("path=" + path) + record("size=" + size);
      member("PaxHeaders/x", 'x', records.getBytes(StandardCharsets.UTF_8));
      return this;
    }

    Tar longName(String name) {
      member("././@LongLink", 'L', (name + "\0").getBytes(StandardCharsets.UTF_8));
      return this;
    }

    byte[] end() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }

    private static String record(String keyValue) {
      int length = keyValue.length() + 3; // " " + "\n" + at least one digit
      while (String.valueOf(length).length() + keyValue.length() + 2 != length) {
        length++;
      }
      return length + " " + keyValue + "\n";
    }

    private void member(String name, char type, byte[] data) {
      byte[] h = new byte[512];
      put(h, 0, name.length() > 99 ? name.substring(0, 99) : name);
      put(h, 100, "0000600");
      put(h, 108, "0000000");
      put(h, 116, "0000000");
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, String.format("%011o", 1765130773L));
      h[156] = (byte) type;
      put(h, 257, "ustar");
      put(h, 263, "00");
      Arrays.fill(h, 148, 156, (byte) ' ');
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum));
      h[154] = 0;
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    }

    private static void put(byte[] h, int at, String text) {
      byte[] b = text.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(b, 0, h, at, b.length);
    }
  }
}
