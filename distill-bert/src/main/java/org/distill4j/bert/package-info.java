/**
 * BERT-family encoders for Distill4j: the SameDiff BERT, its heads, weight loading and text processing.
 * This module is reserved in the build so that the dependency layout (core -> bert -> examples) is fixed from the
 * start; its contents arrive with the BERT work item and are not part of the distillation core.
 */
package org.distill4j.bert;
