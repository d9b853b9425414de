package dev.fanout.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IndexSetTest {

  @ParameterizedTest(name = "\"{0}\" -> \"{1}\" ({2} indexes)")
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      value = {
        "NULL         | ''          | 0",
        "''           | ''          | 0",
        "0            | 0           | 1",
        "0-3          | 0-3         | 4",
        "0-3,7,9-12   | 0-3,7,9-12  | 9",
        "7,0-3        | 0-3,7       | 5",
        "0-3,4        | 0-4         | 5",
        "0-5,2-3      | 0-5         | 6",
        "3,3,3        | 3           | 1",
        "5-5          | 5           | 1",
        "9-12,0-3,7   | 0-3,7,9-12  | 9",
        "0,2,4        | 0,2,4       | 3",
        "2147483647   | 2147483647  | 1",
      })
  void parsesAndNormalises(String text, String formatted, int count) {
    IndexSet set = IndexSet.parse(text);
    assertThat(set.format()).isEqualTo(formatted);
    assertThat(set.count()).isEqualTo(count);
  }

  @ParameterizedTest(name = "rejects \"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "1,,2        | '' is not an index",
        ",1          | '' is not an index",
        "1,          | '' is not an index",
        "-1          | '' is not an index",
        "a           | 'a' is not an index",
        "1-          | '' is not an index",
        "3-1         | range '3-1' ends before it starts",
        "1-2-3       | '2-3' is not an index",
        "' 1'        | ' 1' is not an index",
        "1.5         | '1.5' is not an index",
        "99999999999 | is not an index",
        "2147483648  | 2147483648 is too large",
      })
  void rejectsMalformedInputWithAMessageQuotingIt(String text, String expected) {
    assertThatThrownBy(() -> IndexSet.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("invalid index set \"" + text + "\"")
        .hasMessageContaining(expected.replace('\'', '"'));
  }

  @ParameterizedTest(name = "{0} + {1} = {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "''       | ''     | ''",
        "0-3      | ''     | 0-3",
        "''       | 5      | 5",
        "0-3      | 4-6    | 0-6",
        "0-3      | 5-6    | 0-3,5-6",
        "0,2,4    | 1,3    | 0-4",
        "0-10     | 3-4    | 0-10",
        "5-9      | 0-2    | 0-2,5-9",
        "0-2,8-9  | 3-7    | 0-9",
        "1,5,9    | 0-20   | 0-20",
      })
  void union(String a, String b, String expected) {
    assertThat(IndexSet.parse(a).union(IndexSet.parse(b)).format()).isEqualTo(expected);
    assertThat(IndexSet.parse(b).union(IndexSet.parse(a)).format()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} - {1} = {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0-9      | ''       | 0-9",
        "0-9      | 0-9      | ''",
        "0-9      | 3-4      | 0-2,5-9",
        "0-9      | 0,9      | 1-8",
        "0-3,7-9  | 2-8      | 0-1,9",
        "5        | 0-4,6-9  | 5",
        "0-9      | 1,3,5,7  | 0,2,4,6,8-9",
        "''       | 1        | ''",
      })
  void minus(String a, String b, String expected) {
    assertThat(IndexSet.parse(a).minus(IndexSet.parse(b)).format()).isEqualTo(expected);
  }

  @Test
  void containsAndWith() {
    IndexSet set = IndexSet.parse("0-3,7,9-12");
    assertThat(set.contains(0)).isTrue();
    assertThat(set.contains(3)).isTrue();
    assertThat(set.contains(4)).isFalse();
    assertThat(set.contains(7)).isTrue();
    assertThat(set.contains(8)).isFalse();
    assertThat(set.contains(12)).isTrue();
    assertThat(set.contains(13)).isFalse();
    assertThat(set.with(8).format()).isEqualTo("0-3,7-12");
    assertThat(set.with(7)).isSameAs(set);
    assertThat(set.complement(15).format()).isEqualTo("4-6,8,13-14");
    assertThatThrownBy(() -> set.with(-1)).hasMessageContaining("negative index -1");
  }

  @Test
  void aHundredThousandIndexesInRandomOrderCloseUpIntoOneInterval() {
    List<Integer> indexes = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      indexes.add(i);
    }
    Collections.shuffle(indexes, new Random(42));
    IndexSet set = IndexSet.EMPTY;
    int half = indexes.size() / 2;
    set = set.union(IndexSet.of(indexes.subList(0, half)));
    assertThat(set.count()).isEqualTo(half);
    for (int index : indexes.subList(half, indexes.size())) {
      set = set.with(index);
    }
    assertThat(set.format()).isEqualTo("0-99999");
    assertThat(set.count()).isEqualTo(100_000);
  }

  @Test
  void everyOtherIndexOfAHundredThousandRoundTrips() {
    int[] odd = new int[50_000];
    for (int i = 0; i < odd.length; i++) {
      odd[i] = 2 * i + 1;
    }
    IndexSet set = IndexSet.of(odd);
    String text = set.format();
    assertThat(IndexSet.parse(text)).isEqualTo(set);
    assertThat(set.count()).isEqualTo(50_000);
    assertThat(set.intervalCount()).isEqualTo(50_000);
    assertThat(set.complement(100_000).count()).isEqualTo(50_000);
  }

  @Test
  void forEachVisitsEveryIndexInOrder() {
    List<Integer> seen = new ArrayList<>();
    IndexSet.parse("0-2,5,7-8").forEach(seen::add);
    assertThat(seen).containsExactly(0, 1, 2, 5, 7, 8);
  }
}
