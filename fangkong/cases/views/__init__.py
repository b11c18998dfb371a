"""快转 pages, one module per working group: board (dispatchers and the facilities' admission desks:
the transfer board and its actions), cases (the case list, a case with its timeline, classification,
tests and discharge), opening (the positives queue and cases opened by hand), facilities (定点医院 and
方舱医院, beds), monitoring (community workers: home health monitoring), figures (the day's figures as
the press conference gives them)."""
