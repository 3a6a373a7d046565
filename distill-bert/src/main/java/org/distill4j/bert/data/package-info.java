/**
 * Task data for BERT: readers that turn GLUE-style TSV ({@link org.distill4j.bert.data.TsvClassificationReader}),
 * CoNLL-2003 NER ({@link org.distill4j.bert.data.ConllReader}) and SQuAD v1.1 JSON
 * ({@link org.distill4j.bert.data.SquadReader}) into a {@link org.distill4j.bert.data.TaskDataset}, an
 * {@link org.distill4j.core.data.ExampleSet} whose batches hold the fields {@code BertModel} reads:
 *
 * <table>
 *   <caption>batch fields</caption>
 *   <tr><th>field</th><th>shape</th><th>type</th><th>task</th></tr>
 *   <tr><td>{@code input_ids}</td><td>[B, L]</td><td>INT</td><td>all</td></tr>
 *   <tr><td>{@code token_type_ids}</td><td>[B, L]</td><td>INT</td><td>all</td></tr>
 *   <tr><td>{@code attention_mask}</td><td>[B, L]</td><td>INT (1 token, 0 padding)</td><td>all</td></tr>
 *   <tr><td>{@code labels}</td><td>[B]</td><td>INT class index</td><td>classification</td></tr>
 *   <tr><td>{@code labels}</td><td>[B]</td><td>FLOAT</td><td>regression</td></tr>
 *   <tr><td>{@code labels}</td><td>[B, C]</td><td>FLOAT 0/1</td><td>multi-label</td></tr>
 *   <tr><td>{@code labels}</td><td>[B, L]</td><td>INT, -100 = ignored</td><td>token classification</td></tr>
 *   <tr><td>{@code start_positions}, {@code end_positions}</td><td>[B]</td><td>INT token index, 0 = [CLS]</td>
 *       <td>question answering</td></tr>
 * </table>
 *
 * <p>All reading, validation and tokenization happens when a file is read, so every problem in the data is
 * reported (as a {@link org.distill4j.bert.data.DataFormatException} naming the file and line) before any training
 * step. Reader settings that cannot work are reported as {@link org.distill4j.core.config.ConfigException}.
 *
 * <p>Character offsets are UTF-16 {@code char} indices into the original Java strings, end exclusive, like those
 * of {@link org.distill4j.bert.text.Encoding}.
 */
package org.distill4j.bert.data;
