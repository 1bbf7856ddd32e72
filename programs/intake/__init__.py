"""What comes into the office: proposal and roster spreadsheets read (readers, headers), each
row checked (checks, roster_values), proposals imported with their preview and rosters loaded
in bulk (imports, rosters, bulk), the files written back to people (writers), and their pages
(views, filters). Below the cross-check (dedup), which reads what the intake stored."""
