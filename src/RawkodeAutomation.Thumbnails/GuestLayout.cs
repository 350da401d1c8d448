using RawkodeAutomation.Thumbnails.Templates;
using SkiaSharp;

namespace RawkodeAutomation.Thumbnails;

/// <summary>One avatar circle: a person (with the name box under it), or the "+N" circle when Person is null.</summary>
public sealed record GuestSlot(ThumbnailPerson? Person, string Label, SKRect Circle, SKRect NameBox);

/// <summary>
/// Where the avatars go: 1 to 4 circles (more guests show 3 and a "+N"), arranged in one row or two rows,
/// whichever gives the larger avatars in the template's area. Shared by the renderer and the HTML comparison.
/// </summary>
public static class GuestLayout
{
    public static IReadOnlyList<GuestSlot> Compute(ThumbnailRequest request, ThumbnailTemplate template)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(template);
        if (template.Guests is not { } spec)
        {
            return [];
        }

        List<ThumbnailPerson?> people = [.. ThumbnailRenderer.PeopleShown(request, template)];
        int extra = request.Guests.Count > 4 ? request.Guests.Count - 3 : 0;
        if (extra > 0)
        {
            people.Add(null);
        }

        if (people.Count == 0)
        {
            return [];
        }

        SKRect area = TemplateValues.Rect(spec.Box);
        float nameHeight = spec.Names.Size * spec.Names.LineHeight * spec.Names.MaxLines;
        int[] rows = Rows(people.Count, spec, area, nameHeight, out float diameter);
        float blockHeight = (rows.Length * (diameter + nameHeight)) + ((rows.Length - 1) * spec.Gap);
        float y = area.MidY - (blockHeight / 2);
        int index = 0;
        List<GuestSlot> slots = [];
        foreach (int inRow in rows)
        {
            float rowWidth = (inRow * diameter) + ((inRow - 1) * spec.Gap);
            float x = area.MidX - (rowWidth / 2);
            for (int k = 0; k < inRow; k++, index++)
            {
                SKRect circle = SKRect.Create(x, y, diameter, diameter);
                // A lone avatar in its row may use the area's width for its name; otherwise names stay under their circle.
                float nameWidth = Math.Max(diameter + (spec.Gap / 2), inRow == 1 ? area.Width : 0);
                SKRect nameBox = SKRect.Create(circle.MidX - (nameWidth / 2), circle.Bottom + (spec.Gap / 3), nameWidth, nameHeight);
                ThumbnailPerson? person = people[index];
                slots.Add(new GuestSlot(person, person is null ? $"+{extra}" : person.Name, circle, nameBox));
                x += diameter + spec.Gap;
            }

            y += diameter + nameHeight + spec.Gap;
        }

        return slots;
    }

    private static int[] Rows(int count, GuestsSpec spec, SKRect area, float nameHeight, out float diameter)
    {
        int[][] options = count switch
        {
            1 => [[1]],
            2 => [[2], [1, 1]],
            3 => [[3], [2, 1]],
            _ => [[4], [2, 2]],
        };
        int[] best = options[0];
        diameter = 0;
        foreach (int[] rows in options)
        {
            int widest = rows.Max();
            float byWidth = (area.Width - ((widest - 1) * spec.Gap)) / widest;
            float byHeight = (area.Height - (rows.Length * nameHeight) - ((rows.Length - 1) * spec.Gap)) / rows.Length;
            float d = Math.Min(spec.MaxDiameter, Math.Min(byWidth, byHeight));
            if (d > diameter + 0.5f)
            {
                diameter = d;
                best = rows;
            }
        }

        diameter = Math.Max(24, MathF.Floor(diameter));
        return best;
    }
}
