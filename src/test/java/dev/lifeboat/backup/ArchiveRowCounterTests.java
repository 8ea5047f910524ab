package dev.lifeboat.backup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Archives written byte by byte as pg_dump's WriteHead/WriteToc/_StartData/_EndData write them, for
 * every archive version the reader claims (pg_dump 15 here writes only 1.14; the real archive is in
 * {@link ArchiveRowCounterIntegrationTests}), and the ways one can be wrong.
 */
class ArchiveRowCounterTests {

  /** A custom-format archive in the making. */
  static final class Archive {
    final int minor;
    int compression;
    String encoding = "UTF8";
    final List<Object[]> entries = new ArrayList<>(); // id, desc, schema, tag, data
    final ByteArrayOutputStream extraBlocks = new ByteArrayOutputStream();
    boolean omitData;
    boolean trailer = true;

    Archive(int minor) {
      this.minor = minor;
    }

    Archive table(int id, String schema, String tag, String data) {
      entries.add(new Object[] {id, "TABLE DATA", schema, tag, data});
      return this;
    }

    Archive entry(int id, String desc, String schema, String tag, String data) {
      entries.add(new Object[] {id, desc, schema, tag, data});
      return this;
    }

    byte[] bytes() {
      Out o = new Out();
      o.raw("PGDMP".getBytes(StandardCharsets.US_ASCII));
      o.b(1).b(minor).b(0).b(4).b(8).b(1);
      if (minor >= 15) {
        o.b(compression);
      } else {
        o.i(compression);
      }
      for (int v : new int[] {12, 30, 2, 26, 10, 126, 0}) {
        o.i(v);
      }
      o.s("db").s("15.18").s("15.18");
      o.i(entries.size() + 2);
      tocEntry(
          o, 1, 0, "ENCODING", "ENCODING", null, "SET client_encoding = '" + encoding + "';\n");
      tocEntry(o, 2, 0, "TABLE", "TABLE", "public", "CREATE TABLE x ();");
      for (Object[] e : entries) {
        tocEntry(
            o, (int) e[0], e[4] == null ? 0 : 1, (String) e[3], (String) e[1], (String) e[2], "");
      }
      for (Object[] e : entries) {
        if (e[4] == null || omitData || "BLOBS".equals(e[1])) {
          continue;
        }
        o.b(1).i((int) e[0]);
        // pg_dump writes one chunk per row from PQgetCopyData
        String data = (String) e[4];
        if (trailer && "TABLE DATA".equals(e[1])) {
          data += "\\.\n\n\n"; // as dumpTableData_copy ends every block
        }
        int from = 0;
        while (from < data.length()) {
          int nl = data.indexOf('\n', from);
          int to = nl < 0 ? data.length() : nl + 1;
          byte[] row = data.substring(from, to).getBytes(StandardCharsets.UTF_8);
          o.i(row.length).raw(row);
          from = to;
        }
        o.i(0);
      }
      o.raw(extraBlocks.toByteArray());
      return o.out.toByteArray();
    }

    private void tocEntry(
        Out o, int id, int hadDumper, String tag, String desc, String schema, String defn) {
      o.i(id).i(hadDumper).s("1259").s(String.valueOf(16000 + id)).s(tag).s(desc);
      o.i(hadDumper == 1 ? 3 : 2); // section
      o.s(defn).s("").s(hadDumper == 1 ? "COPY x FROM stdin;\n" : "").s(schema).s("");
      if (minor >= 14) {
        o.s("heap");
      }
      if (minor >= 16) {
        o.i('r');
      }
      o.s("postgres").s("false");
      if (hadDumper == 1) {
        o.s("2");
      }
      o.s(null);
      o.b(hadDumper == 1 ? 1 : 3); // K_OFFSET_POS_NOT_SET / K_OFFSET_NO_DATA
      for (int i = 0; i < 8; i++) {
        o.b(0);
      }
    }
  }

  /** WriteInt, WriteStr and WriteByte. */
  static final class Out {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Out b(int v) {
      out.write(v);
      return this;
    }

    Out i(int v) {
      out.write(v < 0 ? 1 : 0);
      int a = Math.abs(v);
      for (int k = 0; k < 4; k++) {
        out.write(a & 0xFF);
        a >>>= 8;
      }
      return this;
    }

    Out s(String v) {
      if (v == null) {
        return i(-1);
      }
      byte[] b = v.getBytes(StandardCharsets.UTF_8);
      return i(b.length).raw(b);
    }

    Out raw(byte[] b) {
      out.write(b, 0, b.length);
      return this;
    }
  }

  static Optional<Map<String, Long>> count(byte[] bytes, int chunk) {
    ArchiveRowCounter counter = new ArchiveRowCounter();
    for (int at = 0; at < bytes.length; at += chunk) {
      counter.accept(bytes, at, Math.min(chunk, bytes.length - at));
    }
    return counter.counts();
  }

  static Archive sample(int minor) {
    return new Archive(minor)
        .table(3, "public", "accounts", "1\tann\n2\tbob\\nsmith\n3\t\\\\.\n")
        .table(4, "public", "empty", "")
        .table(5, "Sales Dept", "Orders.2024", "1\n2\n")
        .entry(6, "MATERIALIZED VIEW DATA", "public", "mv", "a\nb\nc\n")
        .entry(7, "SEQUENCE SET", "public", "s", null);
  }

  @ParameterizedTest
  @ValueSource(ints = {12, 13, 14, 15, 16})
  void readsEveryArchiveVersionFromPgDump10To17(int minor) {
    byte[] bytes = sample(minor).bytes();
    for (int chunk : new int[] {1, 7, bytes.length}) {
      assertThat(count(bytes, chunk))
          .as("version 1.%d in chunks of %d", minor, chunk)
          .contains(
              Map.of(
                  "public.accounts", 3L,
                  "public.empty", 0L,
                  "\"Sales Dept\".\"Orders.2024\"", 2L));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {10, 11, 17})
  void anArchiveVersionItDoesNotKnowIsLeftToCountStar(int minor) {
    ArchiveRowCounter counter = new ArchiveRowCounter();
    byte[] bytes = sample(minor).bytes();
    counter.accept(bytes, 0, bytes.length);
    assertThat(counter.counts()).isEmpty();
    assertThat(counter.failure()).contains("archive version 1." + minor);
  }

  @Test
  void compressedDataIsLeftToCountStar() {
    Archive gzipLevel = sample(14);
    gzipLevel.compression = -1; // Z_DEFAULT_COMPRESSION
    Archive lz4 = sample(16);
    lz4.compression = 2;
    assertThat(count(gzipLevel.bytes(), 3)).isEmpty();
    assertThat(count(lz4.bytes(), 3)).isEmpty();
  }

  @Test
  void aBlockThatDoesNotEndWithCopysEndMarkerIsNotCounted() {
    Archive bare = new Archive(14).table(3, "public", "t", "1\n2\n");
    bare.trailer = false;
    assertThat(count(bare.bytes(), 5)).isEmpty();
    Archive midRow = new Archive(14).table(3, "public", "t", "1\n2\\.\n\n\n");
    midRow.trailer = false;
    assertThat(count(midRow.bytes(), 5)).isEmpty();
    // rows that are empty lines, or an escaped backslash before a dot, are rows
    assertThat(count(new Archive(14).table(3, "public", "t", "\n\n\\\\.\n").bytes(), 5))
        .contains(Map.of("public.t", 3L));
  }

  @Test
  void aTableWhoseDataBlockNeverCameOrCameTwiceIsNotCounted() {
    Archive missing = sample(14);
    missing.omitData = true;
    assertThat(count(missing.bytes(), 64)).isEmpty();

    Archive twice = new Archive(14).table(3, "public", "t", "1\n");
    Out again = new Out().b(1).i(3).i(2).raw("2\n".getBytes(StandardCharsets.UTF_8)).i(0);
    twice.extraBlocks.writeBytes(again.out.toByteArray());
    assertThat(count(twice.bytes(), 64)).isEmpty();

    Archive unknown = new Archive(14).table(3, "public", "t", "1\n");
    unknown.extraBlocks.writeBytes(new Out().b(1).i(99).i(0).out.toByteArray());
    assertThat(count(unknown.bytes(), 64)).isEmpty();
  }

  @Test
  void largeObjectBlocksArePassedOverWithoutCountingTheirNewlines() {
    Archive a =
        new Archive(14).table(3, "public", "t", "1\n2\n").entry(4, "BLOBS", null, "BLOBS", "");
    // BLK_BLOBS, id, then per large object: oid, length-prefixed chunks, 0; a zero oid ends it
    Out blobs =
        new Out()
            .b(3)
            .i(4)
            .i(16400)
            .i(3)
            .raw(new byte[] {'\n', '\n', '\n'})
            .i(0)
            .i(16401)
            .i(0)
            .i(0);
    a.extraBlocks.writeBytes(blobs.out.toByteArray());
    byte[] bytes = a.bytes();
    for (int chunk : new int[] {1, 7, bytes.length}) {
      assertThat(count(bytes, chunk)).contains(Map.of("public.t", 2L));
    }
  }

  @Test
  void garbageAndTruncationGiveUp() {
    byte[] bytes = sample(14).bytes();
    for (int cut = 0; cut < bytes.length; cut++) {
      assertThat(count(java.util.Arrays.copyOf(bytes, cut), 3)).as("cut at " + cut).isEmpty();
    }
    byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    trailing[bytes.length] = 9;
    assertThat(count(trailing, 3)).isEmpty();
    assertThat(count("not an archive at all".getBytes(StandardCharsets.UTF_8), 1)).isEmpty();
    assertThat(count(new byte[0], 1)).isEmpty();
  }

  @Test
  void aNameItCannotDecodeSafelyIsLeftOutRatherThanGuessed() {
    Archive latin1 =
        new Archive(14).table(3, "public", "plain", "1\n").table(4, "public", "café", "1\n2\n");
    latin1.encoding = "LATIN1";
    assertThat(count(latin1.bytes(), 11)).contains(Map.of("public.plain", 1L));
  }

  @Test
  void newlinesAreCountedExactlyAtEveryOffsetAndLength() {
    java.util.Random random = new java.util.Random(12);
    byte[] bytes = new byte[300];
    for (int round = 0; round < 200; round++) {
      for (int k = 0; k < bytes.length; k++) {
        // newlines, bytes with the high bit set, and their neighbours 0x0B, 0x8A
        int pick = random.nextInt(6);
        bytes[k] =
            (byte)
                switch (pick) {
                  case 0, 1 -> '\n';
                  case 2 -> 0x0B;
                  case 3 -> 0x8A;
                  case 4 -> 0xFF;
                  default -> random.nextInt(256);
                };
      }
      int from = random.nextInt(40);
      int to = from + random.nextInt(bytes.length - from);
      long expected = 0;
      for (int k = from; k < to; k++) {
        expected += bytes[k] == '\n' ? 1 : 0;
      }
      assertThat(ArchiveRowCounter.newlines(bytes, from, to)).isEqualTo(expected);
    }
  }
}
