"""What comes into the office, below the cross-check (dedup), which reads what it stored:

- reading a spreadsheet: readers (the sheet, its header and rows), workbooks (.xlsx, .xls),
  csv_files, refusals (what cannot be read, and why), headers (the columns' many names);
- checking each row: checks (proposals), roster_values (rosters), family (one family typed in
  a form);
- storing: imports (a proposal file, previewed then saved), routing (which unit's proposal a
  row joins), summary (the preview's counts), rosters and bulk (roster versions, set-based on
  PostgreSQL);
- files back to people: writers; the pages: views, forms, filters; the worker's doors: tasks.
"""
