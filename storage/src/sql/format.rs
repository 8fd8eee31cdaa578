//! Query results as text tables, CSV, JSON, Arrow IPC or Parquet.

use super::QueryResult;
use crate::StorageError;
use datafusion::arrow::csv::WriterBuilder as CsvWriterBuilder;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::arrow::json::ArrayWriter;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use std::io::Write;
use std::str::FromStr;

/// How a result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultFormat {
    /// An aligned text table, for terminals.
    Table,
    Csv,
    /// One JSON array of row objects.
    Json,
    /// The Arrow IPC stream format (`application/vnd.apache.arrow.stream`).
    Arrow,
    Parquet,
}

impl FromStr for ResultFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => Self::Table,
            "csv" => Self::Csv,
            "json" => Self::Json,
            "arrow" => Self::Arrow,
            "parquet" => Self::Parquet,
            other => {
                return Err(format!(
                    "unknown result format {other:?}: use table, csv, json, arrow or parquet"
                ));
            }
        })
    }
}

impl ResultFormat {
    /// The HTTP media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::Table => "text/plain; charset=utf-8",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Json => "application/json",
            Self::Arrow => "application/vnd.apache.arrow.stream",
            Self::Parquet => "application/vnd.apache.parquet",
        }
    }

    /// Writes the result.
    pub fn write(self, result: &QueryResult, out: &mut dyn Write) -> Result<(), StorageError> {
        let io = |e: std::io::Error| StorageError::Internal {
            message: format!("writing the result: {e}"),
        };
        let arrow = |e: datafusion::arrow::error::ArrowError| StorageError::Internal {
            message: format!("writing the result: {e}"),
        };
        match self {
            Self::Table => {
                let table = pretty_format_batches(&result.batches).map_err(arrow)?;
                writeln!(out, "{table}").map_err(io)?;
            }
            Self::Csv => {
                let mut w = CsvWriterBuilder::new().with_header(true).build(out);
                if result.batches.is_empty() {
                    let empty =
                        datafusion::arrow::array::RecordBatch::new_empty(result.schema.clone());
                    w.write(&empty).map_err(arrow)?;
                }
                for b in &result.batches {
                    w.write(b).map_err(arrow)?;
                }
            }
            Self::Json => {
                let mut w = ArrayWriter::new(&mut *out);
                let refs: Vec<_> = result.batches.iter().collect();
                w.write_batches(&refs).map_err(arrow)?;
                w.finish().map_err(arrow)?;
                if result.rows == 0 {
                    // The writer prints nothing for no rows; an empty array is clearer.
                    write!(out, "[]").map_err(io)?;
                }
                writeln!(out).map_err(io)?;
            }
            Self::Arrow => {
                let mut w = StreamWriter::try_new(out, &result.schema).map_err(arrow)?;
                for b in &result.batches {
                    w.write(b).map_err(arrow)?;
                }
                w.finish().map_err(arrow)?;
            }
            Self::Parquet => {
                let mut buf = Vec::new();
                let mut w =
                    ArrowWriter::try_new(&mut buf, result.schema.clone(), None).map_err(|e| {
                        StorageError::Internal {
                            message: format!("writing Parquet: {e}"),
                        }
                    })?;
                for b in &result.batches {
                    w.write(b).map_err(|e| StorageError::Internal {
                        message: format!("writing Parquet: {e}"),
                    })?;
                }
                w.close().map_err(|e| StorageError::Internal {
                    message: format!("writing Parquet: {e}"),
                })?;
                out.write_all(&buf).map_err(io)?;
            }
        }
        Ok(())
    }
}
