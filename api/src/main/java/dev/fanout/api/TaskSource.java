package dev.fanout.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** Where a Job's tasks come from: a count of indexes, or one task per item. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.count) != has(self.items)",
    message = "exactly one of spec.tasks.count and spec.tasks.items must be set")
@ValidationRule(
    value =
        "!has(self.indexes) || !(has(self.count) || has(self.items)) || int(self.indexes.substring(self.indexes.lastIndexOf(',') + 1).substring(self.indexes.substring(self.indexes.lastIndexOf(',') + 1).lastIndexOf('-') + 1)) < (has(self.count) ? self.count : size(self.items))",
    message = "spec.tasks.indexes must lie within the tasks: 0..count-1, or 0..(number of items)-1",
    fieldPath = ".indexes",
    reason = "FieldValueInvalid")
public class TaskSource {
  public static final int MAX_COUNT = 100_000;
  public static final int MAX_ITEMS = 10_000;
  public static final int MAX_ITEM_BYTES = 8 * 1024;

  @Min(1)
  @Max(MAX_COUNT)
  @JsonPropertyDescription("N tasks, with indexes 0..N-1.")
  private Integer count;

  @Size(min = 1, max = MAX_ITEMS)
  @JsonPropertyDescription(
      "One task per item; the item (an object, at most 8 KiB as JSON) is that task's parameters.")
  private List<ObjectNode> items;

  /** Up to 6 digits per index (the largest is 99999), runs as {@code a-b}. */
  public static final String INDEXES_PATTERN =
      "^[0-9]{1,6}(-[0-9]{1,6})?(,[0-9]{1,6}(-[0-9]{1,6})?)*$";

  /** Room for every other index of 100,000 ("0,2,4,...,99998"), the longest useful set. */
  public static final int INDEXES_MAX_LENGTH = 300_000;

  @Pattern(INDEXES_PATTERN)
  @Size(max = INDEXES_MAX_LENGTH)
  @JsonPropertyDescription(
      "Run only these indexes of count or items, in interval form (\"3,17,40-49\"): how a retry of"
          + " some tasks is expressed. status.total is then the number of indexes given, and"
          + " status.completedIndexes and failedIndexes keep the original numbering.")
  private String indexes;

  public TaskSource() {}

  public static TaskSource ofCount(int count) {
    TaskSource source = new TaskSource();
    source.setCount(count);
    return source;
  }

  public Integer getCount() {
    return count;
  }

  public void setCount(Integer count) {
    this.count = count;
  }

  public String getIndexes() {
    return indexes;
  }

  public void setIndexes(String indexes) {
    this.indexes = indexes;
  }

  public List<ObjectNode> getItems() {
    return items;
  }

  public void setItems(List<ObjectNode> items) {
    this.items = items;
  }
}
