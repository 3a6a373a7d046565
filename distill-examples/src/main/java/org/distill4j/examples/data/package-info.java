/** Tasks generated in code, so examples need no download. */
package org.distill4j.examples.data;
