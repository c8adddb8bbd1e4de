# Minimal JSON writer (base R only, so the reference scripts need no extra package).
# Numbers are written with 17 significant digits so that doubles round-trip exactly;
# NA / NaN / Inf are written as null.
to_json <- function(x) {
  if (is.null(x)) return("null")
  if (is.list(x)) {
    inner <- vapply(x, to_json, character(1))
    if (!is.null(names(x))) {
      keys <- paste0("\"", names(x), "\"")
      return(paste0("{", paste0(keys, ":", inner, collapse = ","), "}"))
    }
    return(paste0("[", paste0(inner, collapse = ","), "]"))
  }
  scalar <- function(v) {
    if (is.character(v)) return(if (is.na(v)) "null" else paste0("\"", v, "\""))
    if (is.logical(v)) return(if (is.na(v)) "null" else tolower(as.character(v)))
    if (!is.finite(v)) return("null")
    sprintf("%.17g", v)
  }
  parts <- vapply(as.list(x), scalar, character(1))
  if (!is.null(attr(x, "scalar")) && length(parts) == 1) return(parts)
  paste0("[", paste0(parts, collapse = ","), "]")
}
# Wrap a length-1 value so it is written as a scalar rather than a one-element array.
s <- function(v) structure(v, scalar = TRUE)
write_json <- function(x, path) {
  writeLines(to_json(x), path)
  cat("wrote", path, "\n")
}
