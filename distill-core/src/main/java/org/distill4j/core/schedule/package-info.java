/**
 * Temperature, loss-weight and learning-rate schedules.
 */
package org.distill4j.core.schedule;
