package views

import (
	"fmt"
	"slices"
)

// pickerSummary places the picker's results in the catalog: "Roles 1–25 of 64".
func pickerSummary(d RolePickerData) string {
	first, last := d.Page*d.PerPage+1, d.Page*d.PerPage+len(d.Roles)
	switch {
	case d.Total > d.PerPage:
		return fmt.Sprintf("Roles %d–%d of %d. Type to narrow them down.", first, last, d.Total)
	case d.Total > 0:
		return fmt.Sprintf("Roles %d–%d of %d.", first, last, d.Total)
	}
	return fmt.Sprintf("Roles %d–%d.", first, last)
}

// assignedIDs are the ids of the roles the user has, sorted.
func (d RolePickerData) assignedIDs() []string {
	ids := make([]string, 0, len(d.Assigned))
	for id := range d.Assigned {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
