package dev.lifeboat.pg;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lifeboat.pg.PgCatalog.Table;
import org.junit.jupiter.api.Test;

class PgCatalogTableTests {

  @Test
  void plainLowercaseNamesKeepTheirOldKey() {
    assertThat(new Table("public", "accounts").key()).isEqualTo("public.accounts");
    assertThat(new Table("app_1", "order_lines").key()).isEqualTo("app_1.order_lines");
  }

  @Test
  void aDotInASchemaOrTableNameGivesTwoDistinctKeys() {
    String tableWithDot = new Table("a", "b.c").key();
    String schemaWithDot = new Table("a.b", "c").key();
    assertThat(tableWithDot).isEqualTo("a.\"b.c\"");
    assertThat(schemaWithDot).isEqualTo("\"a.b\".c");
    assertThat(tableWithDot).isNotEqualTo(schemaWithDot);
  }

  @Test
  void everyKeyReadsBackAsTheTableItNames() {
    for (Table t :
        new Table[] {
          new Table("public", "accounts"),
          new Table("a", "b.c"),
          new Table("a.b", "c"),
          new Table("Mixed", "Case"),
          new Table("q\"uote", "sp ace"),
          new Table("\"", "."),
        }) {
      assertThat(Table.parseKey(t.key())).isEqualTo(t);
    }
  }

  @Test
  void keysOfOlderManifestsAreReadSplitAtTheFirstDot() {
    assertThat(Table.normalizeKey("public.Accounts")).isEqualTo("public.\"Accounts\"");
    assertThat(Table.normalizeKey("public.my table")).isEqualTo("public.\"my table\"");
    assertThat(Table.normalizeKey("public.accounts")).isEqualTo("public.accounts");
  }

  @Test
  void theSqlNameQuotesEveryPart() {
    assertThat(new Table("public", "order").sql()).isEqualTo("\"public\".\"order\"");
  }
}
