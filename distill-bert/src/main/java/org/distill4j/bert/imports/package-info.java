/**
 * Teachers exported from other frameworks, imported into SameDiff with DL4J's model import
 * (samediff-import-onnx, samediff-import-tensorflow), and named for distillation.
 *
 * <p>{@link org.distill4j.bert.imports.ModelImports} reads an ONNX file or a TensorFlow frozen graph into an
 * {@link org.distill4j.bert.imports.ImportedModel}; {@link org.distill4j.bert.imports.ImportedModel#teacher} turns it
 * into a {@link org.distill4j.core.graph.ModelGraph} whose adaptor feeds the graph's input placeholders from batch
 * fields and names its logits, hidden states and attention maps by graph variable name
 * ({@link org.distill4j.bert.imports.TeacherSpec}). A teacher is only run forward.
 *
 * <p>DL4J 1.0.0-M2.1's ONNX importer mis-imports several constructs that every PyTorch BERT export contains;
 * {@link org.distill4j.bert.imports.OnnxRepair} rewrites them (same function, other ops) before import, and
 * {@link org.distill4j.bert.imports.ModelImports} corrects the matrix products after it. tools/onnx/README.md lists
 * each problem with the importer's error.
 */
package org.distill4j.bert.imports;
