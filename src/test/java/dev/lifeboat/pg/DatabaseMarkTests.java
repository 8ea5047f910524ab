package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseMarkTests {

  @Test
  void aMarkReadsBackFromItsCommentText() {
    DatabaseMark mark = new DatabaseMark("restore-staging", "ab12", "sales_lbrestore");

    assertThat(mark.text()).isEqualTo("lifeboat:restore-staging:ab12:sales_lbrestore");
    assertThat(DatabaseMark.parse(mark.text())).contains(mark);
  }

  @Test
  void aMarkCountsOnlyOnTheDatabaseItWasMadeForAndForItsKind() {
    String text = new DatabaseMark("restore-staging", "ab12", "sales_lbrestore").text();

    assertThat(DatabaseMark.marks(text, "sales_lbrestore", "restore-staging")).isTrue();
    assertThat(DatabaseMark.marks(text, "sales", "restore-staging"))
        .as("renamed into place, the staging mark no longer counts")
        .isFalse();
    assertThat(DatabaseMark.marks(text, "sales_lbrestore", "restore-old")).isFalse();
  }

  @Test
  void aUsersCommentIsNeverAMark() {
    assertThat(DatabaseMark.parse(null)).isEmpty();
    assertThat(DatabaseMark.parse("sales data, do not drop")).isEmpty();
    assertThat(DatabaseMark.parse("lifeboat drill kept (--keep) at 2026-01-01")).isEmpty();
    assertThat(DatabaseMark.parse("lifeboat:restore-staging")).isEmpty();
    assertThat(
            DatabaseMark.marks("restored by Lifeboat run x", "sales_lbrestore", "restore-staging"))
        .isFalse();
  }

  @Test
  void aDatabaseNameMayHoldColons() {
    String text = new DatabaseMark("drill-scratch", "drill7", "odd:name").text();

    assertThat(DatabaseMark.marks(text, "odd:name", "drill-scratch")).isTrue();
  }
}
