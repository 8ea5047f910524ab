package dev.lifeboat.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SeedTests {

  @TempDir Path dir;

  @Test
  void leavesOnlyAnEmptyPartialOfTheChosenSegmentAndWhatIsNotWal() throws Exception {
    Path stream = dir.resolve("stream");
    Files.createDirectories(stream);
    Files.write(stream.resolve("000000010000000000000007"), new byte[1024]);
    Files.write(stream.resolve("000000010000000000000008.partial"), new byte[1024]);
    Files.writeString(stream.resolve("00000002.history"), "1\t0/3000000\tno recovery target\n");
    Files.writeString(stream.resolve("notes.txt"), "not ours");

    Path seed = Seed.plant(stream, "000000010000000000000003");

    assertThat(seed).isEqualTo(stream.resolve("000000010000000000000003.partial"));
    assertThat(Files.size(seed)).isZero();
    assertThat(Seed.streamed(stream)).containsExactly(seed);
    assertThat(stream.resolve("notes.txt")).hasContent("not ours");
  }

  @Test
  void createsTheStreamDirectoryAndRefusesANameThatIsNoSegment() throws Exception {
    Path stream = dir.resolve("wal/app/stream");

    Seed.plant(stream, "0000000100000000000000A0");
    assertThat(stream.resolve("0000000100000000000000A0.partial")).isEmptyFile();

    assertThatThrownBy(() -> Seed.plant(stream, "0000000100000000000000a0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "'0000000100000000000000a0' is not a WAL segment name (24 upper-case hex digits)");
    assertThat(stream.resolve("0000000100000000000000A0.partial")).isEmptyFile();
  }
}
