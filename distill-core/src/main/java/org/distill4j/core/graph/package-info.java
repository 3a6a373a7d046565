/**
 * Model graphs: a SameDiff graph with the ModelAdaptor that names its inputs and outputs, and the ModelDefinition that builds one.
 */
package org.distill4j.core.graph;
