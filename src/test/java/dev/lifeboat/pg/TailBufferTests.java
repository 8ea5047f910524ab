package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TailBufferTests {

  @Test
  void keepsOnlyTheLastBytesWritten() {
    SystemProcessRunner.TailBuffer tail = new SystemProcessRunner.TailBuffer(8);
    byte[] first = "0123456789".getBytes(StandardCharsets.UTF_8);
    tail.write(first, 0, first.length);
    assertThat(tail.toString()).isEqualTo("23456789");
    tail.write("ab".getBytes(StandardCharsets.UTF_8), 0, 2);
    assertThat(tail.toString()).isEqualTo("456789ab");
  }

  @Test
  void holdsShortOutputWhole() {
    SystemProcessRunner.TailBuffer tail = new SystemProcessRunner.TailBuffer(64);
    tail.write("error\n".getBytes(StandardCharsets.UTF_8), 0, 6);
    assertThat(tail.toString()).isEqualTo("error\n");
  }
}
